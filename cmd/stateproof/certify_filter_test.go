package main

import (
	"slices"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/workloads"
)

func TestCertifyFilterString(t *testing.T) {
	want := "!negative && check: containsAny {provisioning, data-pod-delete, data-node-restart, data-node-loss, " +
		"data-drain, identity, power-cut, volume-expansion, access-modes, reclaim-policy, pvc-retention} && " +
		"workload: isSubsetOf {a, b} && fault: isSubsetOf {node-drain, pod-delete}"
	if got := certifyFilter([]string{"a", "b"}, []string{"node-drain", "pod-delete"}, ""); got != want {
		t.Errorf("filter\n got %s\nwant %s", got, want)
	}
	if got := certifyFilter([]string{"mysql"}, []string{"pod-delete"}, " slow "); got[0] != '(' || got[len(got)-len(") && (slow)"):] != ") && (slow)" {
		t.Errorf("extra filter not ANDed in: %s", got)
	}
}

// TestCertifyFilterSelects runs the filter through Ginkgo's own parser against the labels of
// real and made-up specs.
func TestCertifyFilterSelects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []string
		want   bool
	}{
		{"data spec of a selected workload and fault", []string{"workload:mysql", "Serial", "disruptive", "fault:pod-delete", "check:data-pod-delete", "check:identity"}, true},
		{"unselected workload", []string{"workload:wordpress", "fault:pod-delete", "check:data-pod-delete"}, false},
		{"unselected fault", []string{"workload:mysql", "fault:node-failure-kill", "recovery:node-returns", "check:data-node-restart"}, false},
		{"one of two workloads unselected", []string{"workload:wordpress", "workload:mysql", "fault:pod-delete", "check:data-pod-delete"}, false},
		{"conformance spec without workload", []string{"conformance:statefulset", "fault:pod-delete", "check:identity"}, true},
		{"spec without workload and fault", []string{"conformance:statefulset", "check:pvc-retention"}, true},
		{"provisioning spec", []string{"check:provisioning"}, true},
		{"negative control", []string{"negative", "workload:redis", "disruptive", "fault:pod-delete", "check:data-pod-delete"}, false},
		{"no check label (safety spec)", []string{"safety", "Serial", "disruptive"}, false},
		{"unknown check", []string{"check:warp-drive", "workload:mysql"}, false},
		{"case-insensitive like Ginkgo", []string{"Workload:MySQL", "check:Data-Drain", "fault:node-drain"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := types.ParseLabelFilter(certifyFilter([]string{"mysql", "redis"}, []string{"pod-delete", "node-drain"}, ""))
			if err != nil {
				t.Fatal(err)
			}
			if got := f(tc.labels); got != tc.want {
				t.Errorf("labels %q: selected %t, want %t", tc.labels, got, tc.want)
			}
		})
	}
	f, err := types.ParseLabelFilter(certifyFilter(workloads.Names(), faults.Names(), "!disruptive"))
	if err != nil {
		t.Fatal(err)
	}
	if f([]string{"workload:mysql", "disruptive", "fault:pod-delete", "check:data-pod-delete"}) || !f([]string{"check:provisioning"}) {
		t.Error("the extra filter is not ANDed in")
	}
}

func TestSuiteArgs(t *testing.T) {
	o := certifyOptions{storageClass: "shared", kubeContext: "kind-stateproof", workloads: []string{"redis"},
		faults: []string{"node-drain"}, timeout: 3 * time.Hour, readyTimeout: 5 * time.Minute}
	suite := []string{"--kubeconfig=/k/kubeconfig", "--context=kind-stateproof", "--storage-class=shared",
		"--images-file=/b/images.json", "--artifacts=/r/artifacts", "--progress-file=/r/artifacts/progress.log",
		"--ready-timeout=5m0s", "--run-id=abc123"}
	filter := "label-filter=" + certifyFilter([]string{"redis"}, []string{"node-drain"}, "")

	o.suiteBinary, o.procs = "/b/suites.test", 1
	name, got := suiteCommand(o, "/r", "/k/kubeconfig", "/b/images.json", "abc123")
	want := append([]string{"--ginkgo." + filter, "--ginkgo.randomize-all", "--ginkgo.json-report=/r/report.json", "--ginkgo.junit-report=/r/junit.xml",
		"--ginkgo.timeout=3h0m0s", "--ginkgo.v"}, suite...)
	if name != o.suiteBinary || !slices.Equal(got, want) {
		t.Errorf("serial: %s args\n got %q\nwant %s %q", name, got, o.suiteBinary, want)
	}

	o.procs, o.ginkgo = 4, "/b/ginkgo"
	name, got = suiteCommand(o, "/r", "/k/kubeconfig", "/b/images.json", "abc123")
	want = append([]string{"--" + filter, "--randomize-all", "--procs=4", "--output-dir=/r", "--json-report=report.json", "--junit-report=junit.xml",
		"--timeout=3h0m0s", "--v", "/b/suites.test", "--"}, suite...)
	if name != "/b/ginkgo" || !slices.Equal(got, want) {
		t.Errorf("parallel: %s args\n got %q\nwant /b/ginkgo %q", name, got, want)
	}
}

func TestShellQuote(t *testing.T) {
	got := shellQuote([]string{"_build/suites.test", "--ginkgo.label-filter=!negative && a: isEmpty", "--context=", "--x=it's"})
	want := `_build/suites.test '--ginkgo.label-filter=!negative && a: isEmpty' --context= '--x=it'\''s'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
