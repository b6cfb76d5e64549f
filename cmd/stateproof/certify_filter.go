package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/stateproof/stateproof/reports/check"
)

// certifyFilter returns the Ginkgo label filter of a certification run: specs that feed a
// certificate row (a check:<id> label of check.All), not the negative controls (label
// negative, the harness testing itself), whose workload and fault label sets are subsets of
// workloads and faults. A spec without workload:* or fault:* labels (the StatefulSet and
// storage conformance specs) has an empty set, a subset of any: it always runs. A non-empty
// extra filter is ANDed in.
//
// Label-set syntax (Ginkgo >= 2.17): "KEY: isSubsetOf {v1, v2}" matches when every value of the
// spec's KEY:* labels is listed, including when it has none.
func certifyFilter(workloads, faults []string, extra string) string {
	checks := make([]string, len(check.All))
	for i, c := range check.All {
		checks[i] = string(c)
	}
	f := fmt.Sprintf("!negative && check: containsAny {%s} && workload: isSubsetOf {%s} && fault: isSubsetOf {%s}",
		strings.Join(checks, ", "), strings.Join(workloads, ", "), strings.Join(faults, ", "))
	if extra = strings.TrimSpace(extra); extra != "" {
		f = "(" + f + ") && (" + extra + ")"
	}
	return f
}

// Files a certification run writes into its report directory.
const (
	ginkgoJSONReport = "report.json"
	ginkgoJUnit      = "junit.xml"
	certificateJSON  = "certificate.json"
	certificateHTML  = "certificate.html"
	artifactsDir     = "artifacts"
)

// suiteCommand is the command that runs the suites: with o.procs > 1 the ginkgo CLI (o.ginkgo)
// running the suite binary in that many parallel processes, else the suite binary itself. Both
// get Ginkgo's settings (label filter, reports in dir, suite timeout, verbose) and the suites'
// own flags (see suites/e2e_suite_test.go). dir, kubeconfig and imagesFile should be absolute:
// the binary may resolve them elsewhere.
func suiteCommand(o certifyOptions, dir, kubeconfig, imagesFile, runID string) (name string, args []string) {
	suite := []string{
		"--kubeconfig=" + kubeconfig,
		"--context=" + o.kubeContext,
		"--storage-class=" + o.storageClass,
		"--images-file=" + imagesFile,
		"--artifacts=" + filepath.Join(dir, artifactsDir),
		"--progress-file=" + progressFile(dir),
		"--ready-timeout=" + o.readyTimeout.String(),
		"--run-id=" + runID,
	}
	if o.workloadFile != nil {
		abs, err := filepath.Abs(o.workloadFile.Path)
		if err != nil {
			abs = o.workloadFile.Path
		}
		// The digest makes the suites refuse a file changed since certify read it.
		suite = append(suite, "--workload-file="+abs, "--workload-file-sha256="+o.workloadFile.SHA256)
	}
	// Every spec shuffled on its own (not by top-level container): the specs that lease several
	// nodes interleave with the one-node ones instead of queueing up together.
	ginkgo := []string{"label-filter=" + certifyFilter(o.workloads, o.faults, o.labelFilter), "randomize-all"}
	if o.procs <= 1 {
		ginkgo = append(ginkgo, "json-report="+filepath.Join(dir, ginkgoJSONReport), "junit-report="+filepath.Join(dir, ginkgoJUnit),
			"timeout="+o.timeout.String(), "v")
		for _, g := range ginkgo {
			args = append(args, "--ginkgo."+g)
		}
		return o.suiteBinary, append(args, suite...)
	}
	// The CLI writes the reports it merges from the processes into --output-dir.
	ginkgo = append(ginkgo, fmt.Sprintf("procs=%d", o.procs), "output-dir="+dir, "json-report="+ginkgoJSONReport,
		"junit-report="+ginkgoJUnit, "timeout="+o.timeout.String(), "v")
	for _, g := range ginkgo {
		args = append(args, "--"+g)
	}
	args = append(args, o.suiteBinary, "--")
	return o.ginkgo, append(args, suite...)
}

// progressFile is the suites' live progress log in report directory dir (a line when a spec
// starts, waits for nodes, leases them and ends), which certify follows.
func progressFile(dir string) string { return filepath.Join(dir, artifactsDir, "progress.log") }
