package reports

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/suites/record"
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

// testRecordEntry is the report entry through which the tests attach a spec's record to its
// synthetic report (production code reads records from verdict.json files).
const testRecordEntry = "test record"

// fromGinkgo is FromGinkgo with the records the test helpers attached to the specs.
func fromGinkgo(class string, reps []types.Report, env Environment) Certificate {
	recs := Records{}
	for _, r := range reps {
		for _, s := range r.SpecReports {
			if rec := recordOf(s); rec != nil {
				recs[s.FullText()] = rec
			}
		}
	}
	return FromGinkgo(class, reps, recs, env)
}

// recordOf returns the record attached to s, or nil.
func recordOf(s types.SpecReport) *record.Spec {
	for _, e := range s.ReportEntries {
		if e.Name == testRecordEntry {
			return e.Value.GetRawValue().(*record.Spec)
		}
	}
	return nil
}

// spec is an It spec under the container "MySQL" with the given state and leaf labels, with a
// record as the suites write it: in clean-up when it passed, judging otherwise.
func spec(text string, state types.SpecState, labels ...string) types.SpecReport {
	s := types.SpecReport{
		ContainerHierarchyTexts:  []string{"MySQL"},
		ContainerHierarchyLabels: [][]string{{"workload:mysql"}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             text,
		LeafNodeLabels:           labels,
		State:                    state,
		RunTime:                  90 * time.Second,
	}
	rec := record.New(s.FullText(), s.Labels())
	rec.Phase, rec.State = record.PhaseCleanUp, state.String()
	if state != types.SpecStatePassed {
		rec.Phase = record.PhaseJudging
	}
	s.ReportEntries = []types.ReportEntry{{Name: testRecordEntry, Value: types.WrapEntryValue(rec)}}
	return s
}

// unrecorded is s without its record (a spec that wrote no verdict.json).
func unrecorded(s types.SpecReport) types.SpecReport {
	s.ReportEntries = slices.DeleteFunc(slices.Clone(s.ReportEntries), func(e types.ReportEntry) bool { return e.Name == testRecordEntry })
	return s
}

// in sets the phase the spec's record reached.
func in(s types.SpecReport, p record.Phase) types.SpecReport {
	recordOf(s).Phase = p
	return s
}

// entry records what the suites record for a figure or a harness error: name is the old report
// entry's name ("rto seconds", "rpo seconds", "bind seconds", "acknowledged writes", "lost
// writes", "harness error"), value its JSON text.
func entry(s types.SpecReport, name, value string) types.SpecReport {
	rec := recordOf(s)
	f := &rec.Figures
	var num float64
	_ = json.Unmarshal([]byte(value), &num)
	n := int(num)
	switch name {
	case "rto seconds":
		f.RTOSeconds = &num
	case "rpo seconds":
		f.RPOSeconds = &num
	case "bind seconds":
		f.BindSeconds = &num
	case "acknowledged writes":
		f.Acknowledged = &n
	case "lost writes":
		f.Lost = &n
	case "harness error":
		_ = json.Unmarshal([]byte(value), &rec.HarnessError)
	}
	return s
}

// judged records the data judgement of the spec: failed (the storage lost data, say; failure
// sets its message) when the spec failed, else passed.
func judged(s types.SpecReport) types.SpecReport {
	o := record.Pass
	if s.State == types.SpecStateFailed {
		o = record.Fail
	}
	recordOf(s).Add(record.Judgement{Judge: record.JudgeData, Outcome: o})
	return s
}

// undecided records an undecided judgement with message msg.
func undecided(s types.SpecReport, msg string) types.SpecReport {
	recordOf(s).Add(record.Judgement{Judge: record.JudgePreconditions, Outcome: record.Undecided, Message: msg})
	return s
}

// failure sets the spec's failure message and location (and the message of a failed judgement
// that has none).
func failure(s types.SpecReport, msg string) types.SpecReport {
	s.Failure = types.Failure{Message: msg, Location: types.CodeLocation{FileName: "/src/stateproof/suites/steps_test.go", LineNumber: 139}}
	if rec := recordOf(s); rec != nil {
		for i := range rec.Judgements {
			if rec.Judgements[i].Outcome == record.Fail && rec.Judgements[i].Message == "" {
				rec.Judgements[i].Message = msg
			}
		}
		rec.Failure = &record.Failure{Phase: rec.Phase, Node: "It", Message: msg}
	}
	return s
}

// notApplicable is a spec skipped as not applicable, its record saying why.
func notApplicable(text, why string, labels ...string) types.SpecReport {
	s := spec(text, types.SpecStateSkipped, labels...)
	s.Failure = types.Failure{Message: "not applicable: " + why, Location: types.CodeLocation{FileName: "steps_test.go", LineNumber: 52}}
	recordOf(s).NotApplicable = why
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
	return fromGinkgo("shared", []types.Report{suite(
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
