package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/stateproof/stateproof/reports"
)

// certifyFilter returns the Ginkgo label filter of a certification run: specs that feed a
// certificate row (a check:<id> label of reports.Checks), not the negative controls (label
// negative, the harness testing itself), whose workload and fault label sets are subsets of
// workloads and faults. A spec without workload:* or fault:* labels (the StatefulSet and
// storage conformance specs) has an empty set, a subset of any: it always runs. A non-empty
// extra filter is ANDed in.
//
// Label-set syntax (Ginkgo >= 2.17): "KEY: isSubsetOf {v1, v2}" matches when every value of the
// spec's KEY:* labels is listed, including when it has none.
func certifyFilter(workloads, faults []string, extra string) string {
	checks := make([]string, len(reports.Checks))
	for i, c := range reports.Checks {
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

// suiteArgs are the suite binary's command-line arguments: Ginkgo's (label filter, reports in
// dir, suite timeout, verbose) and the suites' own (see suites/e2e_suite_test.go). dir,
// kubeconfig and imagesFile should be absolute: the binary may resolve them elsewhere.
func suiteArgs(o certifyOptions, dir, kubeconfig, imagesFile, runID string) []string {
	return []string{
		"--ginkgo.label-filter=" + certifyFilter(o.workloads, o.faults, o.labelFilter),
		"--ginkgo.json-report=" + filepath.Join(dir, ginkgoJSONReport),
		"--ginkgo.junit-report=" + filepath.Join(dir, ginkgoJUnit),
		"--ginkgo.timeout=" + o.timeout.String(),
		"--ginkgo.v",
		"--kubeconfig=" + kubeconfig,
		"--context=" + o.kubeContext,
		"--storage-class=" + o.storageClass,
		"--images-file=" + imagesFile,
		"--artifacts=" + filepath.Join(dir, artifactsDir),
		"--ready-timeout=" + o.readyTimeout.String(),
		"--run-id=" + runID,
	}
}
