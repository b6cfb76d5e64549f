package main

import (
	"bytes"
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/spf13/pflag"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/platform/images"
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/reports/check"
	"github.com/stateproof/stateproof/suites/labels"
)

// registerFakes registers a fake workload (fakedb) and a fake fault (meteor-strike) until the
// test ends.
func registerFakes(t *testing.T) {
	t.Helper()
	workloads.Register(workloads.Workload{
		Name: "fakedb", Title: "FakeDB", Summary: "a fake database for the registry test",
		Images: []images.Image{{Name: "fakedb", Offline: "stateproof/fakedb:1", Upstream: "fakedb:1", Context: fstest.MapFS{"Dockerfile": {Data: []byte("FROM x\n")}}}},
		Agent: workloads.Agent{Short: "Write rows to FakeDB", Flags: func(fs *pflag.FlagSet) func(agent.Config, string) (agent.Workload, error) {
			host := fs.String("fake-host", "", "FakeDB host")
			return func(agent.Config, string) (agent.Workload, error) {
				return nil, &workloads.UsageError{Message: "--fake-host " + *host + " is not a FakeDB"}
			}
		}},
		Deploy: func(context.Context, workloads.Site) (workloads.Deployment, error) {
			return workloads.Deployment{}, nil
		},
		Nodes:   1,
		Judging: workloads.Judging{UniqueKinds: []string{"insert"}},
	})
	t.Cleanup(func() { workloads.Unregister("fakedb") })
	faults.Register(faults.Kind{
		Name: "meteor-strike", Summary: "a fake fault for the registry test",
		Paths: []faults.Path{{Text: "when a meteor strikes", Check: check.DataPodDelete, Timeout: time.Minute,
			New: func(faults.Deps) faults.Fault { return nil }}},
		Access: []kube.Access{{Verb: "delete", Resource: "meteors"}},
	})
	t.Cleanup(func() { faults.Unregister("meteor-strike") })
}

// output runs the root command with args and returns what it printed and its error.
func output(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(t.Context())
	return out.String(), err
}

// A workload and a fault registered in a test reach every place derived from the registries:
// the help, the agent's subcommands, `stateproof workloads` and `faults`, certify's flags and
// label filter, the image catalogue, the suites' data-survival table and label vocabulary, and
// the preflight's permissions.
func TestRegisteredFakesReachTheCLIAndTheSuites(t *testing.T) {
	registerFakes(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"fakedb", "meteor-strike"}},
		{[]string{"agent", "--help"}, []string{"fakedb", "Write rows to FakeDB"}},
		{[]string{"agent", "fakedb", "--help"}, []string{"--fake-host"}},
		{[]string{"workloads"}, []string{"fakedb", "a fake database for the registry test"}},
		{[]string{"workloads", "--names"}, []string{strings.Join(workloads.Names(), ",") + "\n", "fakedb,"}},
		{[]string{"faults"}, []string{"meteor-strike", "data-pod-delete", "a fake fault for the registry test"}},
		{[]string{"certify", "--help"}, []string{"fakedb", "meteor-strike"}},
	} {
		out, err := output(t, tc.args...)
		if err != nil {
			t.Errorf("stateproof %s: %v", strings.Join(tc.args, " "), err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("stateproof %s lacks %q:\n%s", strings.Join(tc.args, " "), w, out)
			}
		}
	}
	if _, err := output(t, "agent", "fakedb", "--fake-host", "h"); exitCode(err) != 2 || !strings.Contains(err.Error(), "--fake-host h is not a FakeDB") {
		t.Errorf("the fake agent's usage error: %v (exit %d), want exit 2", err, exitCode(err))
	}

	var o certifyOptions
	o.storageClass, o.timeout, o.readyTimeout, o.procs = "standard", time.Hour, time.Minute, 1
	if err := o.complete("fakedb", "meteor-strike", ""); err != nil {
		t.Fatalf("certify --workloads fakedb --faults meteor-strike: %v", err)
	}
	if f := certifyFilter(o.workloads, o.faults, ""); !strings.Contains(f, "{fakedb}") || !strings.Contains(f, "{meteor-strike}") {
		t.Errorf("label filter %s", f)
	}
	if !slices.ContainsFunc(faults.Access(o.faults), func(a kube.Access) bool { return a.Resource == "meteors" }) {
		t.Error("the fake fault's access does not reach the preflight")
	}

	if _, ok := images.Refs(images.ModeOffline, images.DefaultVersions, "x", workloads.Images()).Workloads["fakedb"]; !ok {
		t.Error("the fake workload's image is not in the catalogue")
	}
	w, _ := workloads.Lookup("fakedb")
	var rows []string
	for _, r := range workloads.Table(w, faults.All()) {
		rows = append(rows, r.Text()+" "+strings.Join(r.Labels(), " "))
	}
	if !slices.Contains(rows, "when a meteor strikes fault:meteor-strike check:data-pod-delete") {
		t.Errorf("the fake fault is not in the fake workload's data-survival table: %q", rows)
	}
	v := labels.Registered()
	if !slices.Contains(v.Values["workload"], "fakedb") || !slices.Contains(v.Values["fault"], "meteor-strike") {
		t.Errorf("the suites' label vocabulary lacks the fakes: %v", v.Values)
	}
}

// The import rule of the registries: the image catalogue knows no workload (the workloads give
// it their images), the workload registry no workload package, and the fault packages use
// nothing of the project but the fault types, the Kubernetes helpers, the node agent (which
// performs node faults where there is no kind node container) and the check ids.
func TestImportRule(t *testing.T) {
	const mod = "github.com/stateproof/stateproof/"
	list := func(format string, pkgs ...string) map[string][]string {
		out, err := exec.Command("go", append([]string{"list", "-f", format}, pkgs...)...).Output()
		if err != nil {
			t.Fatalf("go list %v: %v", pkgs, err)
		}
		m := map[string][]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			pkg, deps, _ := strings.Cut(line, ":")
			for _, d := range strings.Fields(deps) {
				if strings.HasPrefix(d, mod) {
					m[strings.TrimPrefix(pkg, mod)] = append(m[strings.TrimPrefix(pkg, mod)], strings.TrimPrefix(d, mod))
				}
			}
		}
		return m
	}
	deps := list(`{{.ImportPath}}:{{join .Deps " "}}`, mod+"fixtures/platform/images", mod+"fixtures/workloads")
	for pkg, ds := range deps {
		for _, d := range ds {
			if strings.HasPrefix(d, "fixtures/workloads/") || (pkg == "fixtures/platform/images" && d == "fixtures/workloads") {
				t.Errorf("%s depends on %s: the registries' catalogue must not know a workload", pkg, d)
			}
		}
	}
	allowed := []string{"faults", "fixtures/kube", "fixtures/nodeagent", "reports/check"}
	for pkg, ds := range list(`{{.ImportPath}}:{{join .Imports " "}}`, mod+"faults/...") {
		for _, d := range ds {
			if pkg != "faults/all" && !slices.Contains(allowed, d) {
				t.Errorf("%s imports %s: a fault package may import only %v", pkg, d, allowed)
			}
		}
	}
	if len(deps) == 0 {
		t.Fatal("go list found no packages: is the rule checking anything?")
	}
}
