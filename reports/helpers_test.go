package reports

import (
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// t0 is the start of the synthetic runs.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// testEnv is a filled environment fingerprint.
var testEnv = Environment{
	KubernetesVersion: "v1.34.4", Nodes: 4, Provisioner: "rancher.io/local-path",
	Parameters: map[string]string{"nodePath": "/var/local-path-shared"}, ReclaimPolicy: "Delete",
	VolumeBindingMode: "WaitForFirstConsumer", AllowVolumeExpansion: false,
	StateproofVersion: "v0.1.0-test", Context: "kind-stateproof", Cluster: "kind-stateproof",
}

// spec is an It spec under the container "MySQL" with the given state and leaf labels.
func spec(text string, state types.SpecState, labels ...string) types.SpecReport {
	return types.SpecReport{
		ContainerHierarchyTexts:  []string{"MySQL"},
		ContainerHierarchyLabels: [][]string{{"workload:mysql"}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             text,
		LeafNodeLabels:           labels,
		State:                    state,
		RunTime:                  90 * time.Second,
	}
}

// entry adds a report entry whose value is the JSON text value.
func entry(s types.SpecReport, name, value string) types.SpecReport {
	s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: name, Value: types.ReportEntryValue{AsJSON: value}})
	return s
}

// judged adds the "judging" entry the suites add before their verdict assertions.
func judged(s types.SpecReport) types.SpecReport { return entry(s, "judging", `"now"`) }

// failure sets the spec's failure message and location.
func failure(s types.SpecReport, msg string) types.SpecReport {
	s.Failure = types.Failure{Message: msg, Location: types.CodeLocation{FileName: "/src/stateproof/suites/steps_test.go", LineNumber: 139}}
	return s
}

// notApplicable is a spec skipped with the suites' "not applicable: " message.
func notApplicable(text, why string, labels ...string) types.SpecReport {
	s := spec(text, types.SpecStateSkipped, labels...)
	s.Failure = types.Failure{Message: "not applicable: " + why, Location: types.CodeLocation{FileName: "steps_test.go", LineNumber: 52}}
	return s
}

// suite is a successful suite report holding the specs.
func suite(specs ...types.SpecReport) types.Report {
	return types.Report{
		SuiteDescription: "stateproof e2e", SuiteSucceeded: true,
		StartTime: t0, EndTime: t0.Add(20 * time.Minute),
		SuiteConfig: types.SuiteConfig{RandomSeed: 1700000000},
		SpecReports: specs,
	}
}

// row returns the certificate's row for id.
func row(c Certificate, id Check) Row {
	for _, r := range c.Rows {
		if r.Check == id {
			return r
		}
	}
	return Row{}
}

// sample is a complete certificate with every kind of row, for the JSON and HTML tests.
func sample() Certificate {
	return FromGinkgo("shared", []types.Report{suite(
		entry(entry(entry(judged(spec("keeps its data when its pod is deleted", types.SpecStatePassed,
			"check:data-pod-delete", "check:identity", "fault:pod-delete")),
			"rto seconds", "12.5"), "acknowledged writes", "1500"), "lost writes", "0"),
		entry(judged(spec("keeps its data when its node is killed", types.SpecStatePassed,
			"check:data-node-restart", "fault:node-failure-kill")), "rto seconds", "48.25"),
		failure(judged(spec("keeps its data when its node is drained", types.SpecStateFailed,
			"check:data-drain", "fault:node-drain")), "lost 3 acknowledged writes"),
		notApplicable("keeps its data when its node is lost", "volume is node-bound to kind-worker",
			"check:data-node-loss", "fault:node-failure-stop"),
		entry(spec("binds its PVC", types.SpecStatePassed, "check:provisioning"), "bind seconds", "2.75"),
	)}, testEnv)
}
