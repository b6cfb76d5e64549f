package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/fixtures/workloads/external"
)

// execute runs the root command with args in a fresh directory and returns its error.
func execute(t *testing.T, args ...string) error {
	t.Helper()
	t.Chdir(t.TempDir())
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	return root.ExecuteContext(t.Context())
}

func TestCertifyFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no class", nil, []string{"--storage-class is required"}},
		{"bad class name", []string{"--storage-class", "Fast_SSD"}, []string{`--storage-class "Fast_SSD" is not a valid StorageClass name`}},
		{"unknown workload", []string{"--storage-class", "standard", "--workloads", "mysql,nosuchdb"},
			[]string{`--workloads: unknown workload "nosuchdb"; valid: ` + strings.Join(workloads.Names(), ", ")}},
		{"empty workloads", []string{"--storage-class", "standard", "--workloads", " , "}, []string{"--workloads is empty; give one or more of: " + strings.Join(workloads.Names(), ", ")}},
		{"unknown fault", []string{"--storage-class", "standard", "--faults", "pod-delete,meteor"},
			[]string{`--faults: unknown fault "meteor"; valid: ` + strings.Join(faults.Names(), ", ")}},
		{"zero timeout", []string{"--storage-class", "standard", "--timeout", "0s"}, []string{"--timeout 0s: must be positive"}},
		{"negative ready timeout", []string{"--storage-class", "standard", "--ready-timeout", "-1m"}, []string{"--ready-timeout -1m0s: must be positive"}},
		{"bad label filter", []string{"--storage-class", "standard", "--label-filter", "slow &"}, []string{`--label-filter "slow &" is not a Ginkgo label filter`}},
		{"bad duration", []string{"--storage-class", "standard", "--timeout", "soon"}, []string{`invalid argument "soon"`}},
		{"unknown flag", []string{"--storage-class", "standard", "--grade", "A"}, []string{"unknown flag: --grade"}},
		{"argument", []string{"standard"}, []string{`certify takes no arguments, got ["standard"]`}},
		{"external without its file", []string{"--storage-class", "standard", "--workloads", "mysql,external"},
			[]string{"--workloads external: the external workload needs --workload-file FILE"}},
		{"missing workload file", []string{"--storage-class", "standard", "--workload-file", "nosuch/workload.yaml"},
			[]string{"--workload-file: workload file: open nosuch/workload.yaml"}},
		{"workload file its workloads leave out", []string{"--storage-class", "standard", "--workload-file", mysqlExample, "--workloads", "mysql"},
			[]string{"lacks external: add it, or drop --workload-file"}},
		{"external without its file, spaced", []string{"--storage-class", "standard", "--workloads", "mysql, external"},
			[]string{"--workloads external: the external workload needs --workload-file FILE"}},
		{"negative-control workload file", []string{"--storage-class", "standard", "--workload-file", redisUnsafeExample},
			[]string{"spec.negativeControl is set: a negative control decides no certificate row"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := execute(t, append([]string{"certify"}, tc.args...)...)
			if err == nil || exitCode(err) != 2 {
				t.Fatalf("error %v (exit code %d), want a usage error (exit code 2)", err, exitCode(err))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, err := os.Stat("_artifacts"); !errors.Is(err, os.ErrNotExist) {
				t.Error("a usage error wrote into _artifacts")
			}
		})
	}
}

// The shipped external-workload examples (absolute: execute changes the directory).
var mysqlExample, redisUnsafeExample = example("mysql"), example("redis-unsafe")

func example(name string) string {
	p, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "workloads", "external", "examples", name, "workload.yaml"))
	if err != nil {
		panic(err)
	}
	return p
}

// --workload-file adds the workload "external" to the default workloads (not to an explicit
// --workloads), passes the file to the suites and records it in the certificate's run.
func TestCertifyWorkloadFile(t *testing.T) {
	o := certifyOptions{storageClass: "standard", timeout: 1, readyTimeout: 1, procs: 1, workloadFilePath: mysqlExample}
	if err := o.complete(strings.Join(workloads.Names(), ","), "pod-delete", ""); err != nil { // --workloads not given
		t.Fatal(err)
	}
	if o.workloadFile == nil || !slices.Equal(o.workloads, append(workloads.Names(), external.Name)) {
		t.Fatalf("workloads %v, file %v: want every registered one and %s", o.workloads, o.workloadFile, external.Name)
	}
	given := certifyOptions{storageClass: "standard", timeout: 1, readyTimeout: 1, procs: 1, workloadFilePath: mysqlExample, workloadsGiven: true}
	if err := given.complete(external.Name, "pod-delete", ""); err != nil || !slices.Equal(given.workloads, []string{external.Name}) {
		t.Fatalf("--workloads external: %v, %v", given.workloads, err)
	}
	_, args := suiteCommand(o, "/r", "/k", "/i", "run")
	if !slices.Contains(args, "--workload-file="+mysqlExample) || !slices.Contains(args, "--workload-file-sha256="+o.workloadFile.SHA256) {
		t.Errorf("suite arguments %q lack --workload-file=%s", args, mysqlExample)
	}
}

func TestCertifyOptionsComplete(t *testing.T) {
	o := certifyOptions{storageClass: "standard", timeout: 1, readyTimeout: 1, procs: 1}
	if err := o.complete(" redis, mysql ,redis,", "node-drain", ""); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.workloads, []string{"redis", "mysql"}) || !slices.Equal(o.faults, []string{"node-drain"}) {
		t.Errorf("workloads %q faults %q", o.workloads, o.faults)
	}
	if o.reportDir != filepath.Join("_artifacts", "certify", "standard") || o.suiteBinary == "" {
		t.Errorf("defaults: report dir %q, suite binary %q", o.reportDir, o.suiteBinary)
	}
	o = certifyOptions{storageClass: "standard", timeout: 1, readyTimeout: 1, reportDir: "out", suiteBinary: "bin/s.test", procs: 1}
	if err := o.complete("mysql", "pod-delete", ""); err != nil || o.reportDir != "out" || o.suiteBinary != "bin/s.test" {
		t.Errorf("explicit values replaced: %+v, %v", o, err)
	}
	o = certifyOptions{storageClass: "standard", timeout: 1, readyTimeout: 1, suiteBinary: "bin/s.test", procs: 4}
	if err := o.complete("mysql", "pod-delete", ""); err != nil || o.ginkgo == "" {
		t.Errorf("--procs 4: ginkgo CLI %q, %v; want a default next to the suite binary or on PATH", o.ginkgo, err)
	}
	o = certifyOptions{storageClass: "standard", timeout: 1, readyTimeout: 1, procs: 0}
	if err := o.complete("mysql", "pod-delete", ""); err == nil || !strings.Contains(err.Error(), "--procs 0") {
		t.Errorf("--procs 0: err = %v, want a usage error naming it", err)
	}
}

func TestDefaultSuiteBinary(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "stateproof")
	if got := defaultSuiteBinary(exe); got != defaultSuiteBinaryPath {
		t.Errorf("without suites.test beside the executable: %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "suites.test"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := defaultSuiteBinary(exe); got != filepath.Join(dir, "suites.test") {
		t.Errorf("with suites.test beside the executable: %q", got)
	}
	if got := defaultSuiteBinary(""); got != defaultSuiteBinaryPath {
		t.Errorf("unknown executable: %q", got)
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{errors.New("boom"), 1},
		{usageError{errors.New("bad flag")}, 2},
		{exitError{3, errors.New("incomplete")}, 3},
		{exitError{1, errors.New("not certified")}, 1},
		{exitError{2, usageError{errors.New("both")}}, 2},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
