package reports

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/reports/check"
	"github.com/stateproof/stateproof/suites/record"
)

func TestSpecVerdicts(t *testing.T) {
	const label = "check:provisioning"
	for _, tc := range []struct {
		name       string
		spec       types.SpecReport
		want       Verdict // "" when the spec must not be counted
		wantReason string  // substring of the spec's reason
	}{
		{name: "passed", spec: spec("binds", types.SpecStatePassed, label), want: Pass},
		{name: "not applicable", spec: notApplicable("binds", "volume is node-bound to kind-worker", label),
			want: NotApplicable, wantReason: "volume is node-bound to kind-worker"},
		{name: "filtered out", spec: spec("binds", types.SpecStateSkipped, label)},
		{name: "skipped after another spec failed",
			spec: failure(spec("binds", types.SpecStateSkipped, label), "Spec skipped because an earlier spec in an ordered container failed")},
		{name: "pending", spec: spec("binds", types.SpecStatePending, label)},
		{name: "failed after judging", spec: failure(judged(spec("binds", types.SpecStateFailed, label)), "lost 3 acknowledged writes\nmore detail"),
			want: Fail, wantReason: "lost 3 acknowledged writes more detail (at steps_test.go:139)"},
		{name: "harness failed while judging",
			spec: failure(entry(spec("binds", types.SpecStateFailed, label), "harness error", `"reading back through the agent"`), "agent unreachable"),
			want: Error, wantReason: "harness error while reading back through the agent: agent unreachable (at steps_test.go:139)"},
		{name: "failed in set-up", spec: failure(in(spec("binds", types.SpecStateFailed, label), record.PhaseSetUp), "agent did not start"),
			want: Error, wantReason: "set-up failed: agent did not start (at steps_test.go:139)"},
		{name: "failed while judging without a failed judgement",
			spec: failure(spec("binds", types.SpecStateFailed, label), "Timed out after 90s"),
			want: Error, wantReason: "judging failed: Timed out after 90s"},
		{name: "passed without a record", spec: unrecorded(spec("binds", types.SpecStatePassed, label)),
			want: Error, wantReason: "wrote no record"},
		{name: "timed out", spec: failure(judged(spec("binds", types.SpecStateTimedout, label)), "A SpecTimeout occurred"),
			want: Error, wantReason: "timedout during judging: A SpecTimeout occurred"},
		{name: "panicked", spec: func() types.SpecReport {
			s := failure(spec("binds", types.SpecStatePanicked, label), "Test Panicked")
			s.Failure.ForwardedPanic = "nil map"
			return s
		}(), want: Error, wantReason: "panicked during judging: Test Panicked: nil map"},
		{name: "interrupted", spec: failure(spec("binds", types.SpecStateInterrupted, label), "Interrupted by User"),
			want: Error, wantReason: "interrupted during judging: Interrupted by User"},
		{name: "aborted", spec: failure(spec("binds", types.SpecStateAborted, label), "cluster gone"),
			want: Error, wantReason: "aborted during judging: cluster gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := row(fromGinkgo("standard", []types.Report{suite(tc.spec)}, testEnv), check.Provisioning)
			if tc.want == "" {
				if len(r.Specs) != 0 || r.Verdict != NotRun {
					t.Fatalf("spec counted: row %+v", r)
				}
				return
			}
			if len(r.Specs) != 1 {
				t.Fatalf("want 1 spec in the row, got %+v", r.Specs)
			}
			s := r.Specs[0]
			if s.Verdict != tc.want || r.Verdict != tc.want {
				t.Errorf("spec verdict %q, row verdict %q; want %q", s.Verdict, r.Verdict, tc.want)
			}
			if !strings.Contains(s.Reason, tc.wantReason) {
				t.Errorf("reason %q does not contain %q", s.Reason, tc.wantReason)
			}
			if tc.want == Pass && (s.Reason != "" || len(r.Reasons) != 0) {
				t.Errorf("a pass has reasons: %q %q", s.Reason, r.Reasons)
			}
			if tc.want != Pass && (len(r.Reasons) != 1 || !strings.HasPrefix(r.Reasons[0], "MySQL binds: ")) {
				t.Errorf("row reasons %q: want one, prefixed with the spec", r.Reasons)
			}
			if s.Name != "MySQL binds" || s.Workload != "mysql" || s.DurationSeconds != 90 {
				t.Errorf("spec result %+v", s)
			}
		})
	}
}

func TestReasonIsClipped(t *testing.T) {
	long := strings.Repeat("x", 1000)
	r := row(fromGinkgo("standard", []types.Report{suite(failure(judged(spec("binds", types.SpecStateFailed, "check:provisioning")), long))}, testEnv), check.Provisioning)
	reason := r.Specs[0].Reason
	if n := len([]rune(strings.TrimSuffix(reason, " (at steps_test.go:139)"))); n != maxReason {
		t.Errorf("clipped message has %d runes, want %d: %q", n, maxReason, reason)
	}
}

func TestRowAggregation(t *testing.T) {
	pass := spec("pass", types.SpecStatePassed, "check:data-pod-delete")
	fail := failure(judged(spec("fail", types.SpecStateFailed, "check:data-pod-delete")), "lost writes")
	errored := failure(in(spec("error", types.SpecStateFailed, "check:data-pod-delete"), record.PhaseSetUp), "no agent")
	na1 := notApplicable("na one", "node-bound", "check:data-pod-delete")
	na2 := notApplicable("na two", "node-bound", "check:data-pod-delete")
	for _, tc := range []struct {
		name        string
		specs       []types.SpecReport
		want        Verdict
		wantReasons []string
	}{
		{"nothing ran", nil, NotRun, nil},
		{"pass and not applicable", []types.SpecReport{pass, na1}, Pass, []string{"MySQL na one: not applicable: node-bound"}},
		{"pass and fail", []types.SpecReport{pass, fail}, Fail, []string{"MySQL fail: failed: lost writes (at steps_test.go:139)"}},
		{"fail and error", []types.SpecReport{errored, fail, pass}, Fail, []string{
			"MySQL fail: failed: lost writes (at steps_test.go:139)",
			"MySQL error: error: set-up failed: no agent (at steps_test.go:139)"}},
		{"all not applicable, reasons deduplicated", []types.SpecReport{na1, na2, na1}, NotApplicable,
			[]string{"MySQL na one (and 1 more): not applicable: node-bound"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := row(fromGinkgo("standard", []types.Report{suite(tc.specs...)}, testEnv), check.DataPodDelete)
			if r.Verdict != tc.want {
				t.Errorf("verdict %q, want %q", r.Verdict, tc.want)
			}
			if !slices.Equal(r.Reasons, tc.wantReasons) && (len(r.Reasons) != 0 || len(tc.wantReasons) != 0) {
				t.Errorf("reasons\n got %q\nwant %q", r.Reasons, tc.wantReasons)
			}
		})
	}
}

// passingRequired is one passing spec per required check.
func passingRequired() []types.SpecReport {
	var specs []types.SpecReport
	for _, id := range check.Required {
		specs = append(specs, judged(spec("passes "+string(id), types.SpecStatePassed, "check:"+string(id))))
	}
	return specs
}

// without returns the specs minus those labelled check:<id>.
func without(specs []types.SpecReport, id Check) []types.SpecReport {
	return slices.DeleteFunc(slices.Clone(specs), func(s types.SpecReport) bool {
		return slices.Contains(s.Labels(), "check:"+string(id))
	})
}

func TestCertified(t *testing.T) {
	required := passingRequired()
	const nodeLoss = "Data survives node loss with reschedule to another node"
	naNodeLoss := notApplicable("na", "volume is node-bound to kind-worker", "check:data-node-loss")
	naPowerCut := notApplicable("na power", "no power switch", "check:power-cut")
	for _, tc := range []struct {
		name         string
		specs        []types.SpecReport
		want         Summary
		wantBlocking []string
	}{
		{"required rows pass, others not applicable or not run", append(slices.Clone(required), naPowerCut), SummaryCertified, nil},
		{"required row not applicable (kind's node-bound standard class)", append(without(required, check.DataNodeLoss), naNodeLoss, naNodeLoss),
			SummaryNotCertified, []string{nodeLoss + ": not applicable: volume is node-bound to kind-worker (a required check must pass)"}},
		{"required row not applicable next to a pass", append(slices.Clone(required), naNodeLoss), SummaryCertified, nil},
		{"required row not run", without(required, check.DataDrain), SummaryNotCertified,
			[]string{"Data survives node drain: not run: no spec contributing to it ran (a required check must pass)"}},
		{"optional row failed", append(slices.Clone(required), failure(judged(spec("f", types.SpecStateFailed, "check:power-cut")), "lost")),
			SummaryFailed, []string{"fsync durability under power cut: failed: MySQL f: lost (at steps_test.go:139)"}},
		{"a row failed next to one not applicable (the bad class volatile)", append(without(without(required, check.DataNodeRestart), check.DataNodeLoss),
			naNodeLoss, failure(judged(spec("f", types.SpecStateFailed, "check:data-node-restart")), "219 writes acknowledged after 3m0s, want 269")),
			SummaryFailed, []string{"Data survives node restart: failed: MySQL f: 219 writes acknowledged after 3m0s, want 269 (at steps_test.go:139)",
				nodeLoss + ": not applicable: volume is node-bound to kind-worker (a required check must pass)"}},
		{"required row errored", append(slices.Clone(required), failure(in(spec("e", types.SpecStateFailed, "check:data-drain"), record.PhaseSetUp), "no agent")),
			SummaryNotCertified, []string{"Data survives node drain: error: MySQL e: set-up failed: no agent (at steps_test.go:139)"}},
		{"nothing passed", []types.SpecReport{naNodeLoss}, SummaryNotCertified, nil},
		{"nothing ran", nil, SummaryNotCertified, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fromGinkgo("standard", []types.Report{suite(tc.specs...)}, testEnv)
			if !c.Complete || c.Verdict != tc.want || c.Certified != (tc.want == SummaryCertified) {
				t.Errorf("complete %t, verdict %q, certified %t; want complete, %q", c.Complete, c.Verdict, c.Certified, tc.want)
			}
			if c.Certified != (len(c.Blocking) == 0) {
				t.Errorf("certified %t with blocking %q", c.Certified, c.Blocking)
			}
			if tc.wantBlocking != nil && !slices.Equal(c.Blocking, tc.wantBlocking) {
				t.Errorf("blocking\n got %q\nwant %q", c.Blocking, tc.wantBlocking)
			}
			data, err := EncodeJSON(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(data); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestBlockingLines(t *testing.T) {
	c := fromGinkgo("standard", []types.Report{suite()}, testEnv)
	if len(c.Blocking) != len(check.Required) {
		t.Fatalf("nothing ran: blocking %q, want one line per required check", c.Blocking)
	}
	for i, id := range check.Required {
		if !strings.HasPrefix(c.Blocking[i], id.Title()+": not run: ") {
			t.Errorf("line %d %q does not start with the title of %s", i, c.Blocking[i], id)
		}
	}
	var specs []types.SpecReport
	for i := range 5 {
		specs = append(specs, failure(judged(spec(fmt.Sprint("f", i), types.SpecStateFailed, "check:data-drain")), fmt.Sprint("lost ", i)))
	}
	r := row(fromGinkgo("standard", []types.Report{suite(specs...)}, testEnv), check.DataDrain)
	if got := blockingLine(r); !strings.HasSuffix(got, "MySQL f2: lost 2 (at steps_test.go:139); and 2 more") {
		t.Errorf("five failures: %q, want three quoted and the rest counted", got)
	}
	if got := blocking(nil, ""); len(got) != len(check.Required) || !strings.Contains(got[0], "no row") {
		t.Errorf("no rows at all: %q", got)
	}
	for _, id := range check.All {
		if want := slices.Contains([]Check{check.Provisioning, check.DataPodDelete, check.DataNodeRestart, check.DataNodeLoss,
			check.DataDrain, check.Identity}, id); id.Required() != want {
			t.Errorf("%s.Required() = %t", id, !want)
		}
	}
	if Check("warp-drive").Required() {
		t.Error("an unknown check is required")
	}
}

func TestIncompleteRuns(t *testing.T) {
	passing := func() types.Report { return suite(passingRequired()...) }
	interrupted := passing()
	interrupted.SuiteSucceeded, interrupted.SpecialSuiteFailureReasons = false, []string{"Interrupted by User"}
	timedOut := passing()
	timedOut.SuiteSucceeded, timedOut.SpecialSuiteFailureReasons = false, []string{"Suite Timeout Elapsed"}
	beforeSuite := passing()
	beforeSuite.SuiteSucceeded = false
	bs := failure(types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed}, "no cluster")
	beforeSuite.SpecReports = append(beforeSuite.SpecReports, bs)
	aborted := passing()
	aborted.SuiteSucceeded = false
	aborted.SpecReports = append(aborted.SpecReports, failure(spec("abort", types.SpecStateAborted), "cluster gone"))
	for _, tc := range []struct {
		name    string
		reports []types.Report
		reason  string
	}{
		{"no report", nil, "no Ginkgo report"},
		{"interrupted", []types.Report{interrupted}, "suite stateproof e2e: Interrupted by User"},
		{"timed out", []types.Report{passing(), timedOut}, "Suite Timeout Elapsed"},
		{"before suite failed", []types.Report{beforeSuite}, "SynchronizedBeforeSuite failed: no cluster"},
		{"aborted", []types.Report{aborted}, `spec "MySQL abort" aborted the run`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fromGinkgo("standard", tc.reports, testEnv)
			if c.Complete || c.Certified || c.Verdict != SummaryIncomplete || !strings.Contains(c.Reason, tc.reason) {
				t.Errorf("complete %t, certified %t, verdict %q, reason %q; want incomplete with %q",
					c.Complete, c.Certified, c.Verdict, c.Reason, tc.reason)
			}
		})
	}

	pending := passing()
	pending.SuiteSucceeded, pending.SpecialSuiteFailureReasons = false, []string{"Detected pending specs and --fail-on-pending is set"}
	if c := fromGinkgo("standard", []types.Report{pending}, testEnv); !c.Complete || !c.Certified {
		t.Errorf("--fail-on-pending made the run incomplete: %q", c.Reason)
	}
	reporting := passing()
	reporting.SpecReports = append(reporting.SpecReports, failure(types.SpecReport{LeafNodeType: types.NodeTypeReportAfterSuite, State: types.SpecStateFailed}, "disk full"))
	if c := fromGinkgo("standard", []types.Report{reporting}, testEnv); !c.Certified || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "ReportAfterSuite failed: disk full") {
		t.Errorf("a failed ReportAfterSuite: certified %t, warnings %q; want certified with a warning", c.Certified, c.Warnings)
	}
}

// Rule 4: a cluster left degraded (the final node check in the AfterSuite failed) makes a
// certificate that would be CERTIFIED NOT CERTIFIED, with the reason; a FAILED one stays FAILED.
func TestRule4DegradedClusterIsNotCertified(t *testing.T) {
	node := failure(types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedAfterSuite, State: types.SpecStateFailed},
		"a fault was not undone: nodes not healthy: stateproof-worker3 is cordoned")
	var specs []types.SpecReport
	for _, id := range check.Required {
		specs = append(specs, spec("passes "+string(id), types.SpecStatePassed, "check:"+string(id)))
	}
	c := fromGinkgo("shared", []types.Report{suite(append(slices.Clone(specs), node)...)}, testEnv)
	if c.Certified || c.Verdict != SummaryNotCertified || !strings.Contains(c.Degraded, "stateproof-worker3 is cordoned") ||
		len(c.Blocking) != 1 || !strings.HasPrefix(c.Blocking[0], "the run left the cluster degraded: ") {
		t.Errorf("verdict %s, degraded %q, blocking %q: want NOT CERTIFIED naming the cordoned node", c.Verdict, c.Degraded, c.Blocking)
	}
	if data, err := json.Marshal(c); err != nil || Validate(data) != nil {
		t.Errorf("the degraded certificate does not validate: %v", Validate(data))
	}
	loss := failure(judged(spec("loses", types.SpecStateFailed, "check:data-drain")), "lost 3")
	if c := fromGinkgo("shared", []types.Report{suite(append(slices.Clone(specs), loss, node)...)}, testEnv); c.Verdict != SummaryFailed {
		t.Errorf("a FAILED run on a degraded cluster is %s, want FAILED", c.Verdict)
	}
}

func TestIncomplete(t *testing.T) {
	c := Incomplete("fast-ssd", Environment{Context: "prod"}, "no such StorageClass")
	if c.SchemaVersion != SchemaVersion || c.StorageClass != "fast-ssd" || c.Complete || c.Certified ||
		c.Verdict != SummaryIncomplete || c.Reason != "no such StorageClass" || c.Environment.Context != "prod" {
		t.Errorf("Incomplete: %+v", c)
	}
	if len(c.Rows) != len(check.All) {
		t.Fatalf("%d rows, want %d", len(c.Rows), len(check.All))
	}
	for i, r := range c.Rows {
		if r.Check != check.All[i] || r.Title != check.All[i].Title() || r.Verdict != NotRun {
			t.Errorf("row %d: %+v", i, r)
		}
	}
}

func TestLabels(t *testing.T) {
	s := spec("keeps identity", types.SpecStatePassed, "check:identity", "check:data-pod-delete", "check:warp-drive", "fault:pod-delete")
	s.ContainerHierarchyLabels = [][]string{{"workload:mysql", "check:identity"}}
	ignored := spec("no check", types.SpecStatePassed, "fault:pod-delete")
	c := fromGinkgo("standard", []types.Report{suite(s, ignored)}, testEnv)
	for _, id := range []Check{check.Identity, check.DataPodDelete} {
		r := row(c, id)
		if len(r.Specs) != 1 || r.Specs[0].Workload != "mysql" || r.Specs[0].Fault != "pod-delete" {
			t.Errorf("row %s: %+v", id, r.Specs)
		}
	}
	n := 0
	for _, r := range c.Rows {
		n += len(r.Specs)
	}
	if n != 2 {
		t.Errorf("%d spec results, want 2 (unlabelled spec ignored)", n)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `unknown check "warp-drive"`) {
		t.Errorf("warnings %q", c.Warnings)
	}
}

func TestFigures(t *testing.T) {
	s := spec("measures", types.SpecStatePassed, "check:data-pod-delete")
	s = entry(s, "rto seconds", "12.5")
	s = entry(s, "rpo seconds", "0")
	s = entry(s, "acknowledged writes", "1500")
	s = entry(s, "lost writes", "2")
	s = entry(s, "bind seconds", "3.25")
	c := fromGinkgo("standard", []types.Report{suite(s)}, testEnv)
	got := row(c, check.DataPodDelete).Specs[0]
	if got.RTOSeconds == nil || *got.RTOSeconds != 12.5 || got.RPOSeconds == nil || *got.RPOSeconds != 0 ||
		got.Acknowledged == nil || *got.Acknowledged != 1500 || got.Lost == nil || *got.Lost != 2 ||
		got.BindSeconds == nil || *got.BindSeconds != 3.25 {
		t.Errorf("figures %+v", got)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %q", c.Warnings)
	}

	none := row(fromGinkgo("standard", []types.Report{suite(spec("none", types.SpecStatePassed, "check:data-pod-delete"))}, testEnv), check.DataPodDelete).Specs[0]
	if none.RTOSeconds != nil || none.Acknowledged != nil || none.BindSeconds != nil {
		t.Errorf("figures without entries: %+v", none)
	}
}

// TestReportEntriesDecideNothing: the old report entries ("judging", "harness error", figures)
// no longer decide a verdict or a figure; only the record does.
func TestReportEntriesDecideNothing(t *testing.T) {
	s := failure(unrecorded(spec("measures", types.SpecStateFailed, "check:data-pod-delete")), "lost writes")
	s.ReportEntries = types.ReportEntries{
		{Name: "judging", Value: types.WrapEntryValue("pod-delete")},
		{Name: "rto seconds", Value: types.WrapEntryValue(41.5)},
	}
	got := row(FromGinkgo("standard", []types.Report{suite(s)}, nil, testEnv), check.DataPodDelete).Specs[0]
	if got.Verdict != Error || got.RTOSeconds != nil {
		t.Errorf("a spec without a record: %+v, want an error without figures", got)
	}
}

func TestSeedAndTimes(t *testing.T) {
	a := suite(spec("a", types.SpecStatePassed, "check:provisioning"))
	b := suite(spec("b", types.SpecStatePassed, "check:provisioning"))
	b.StartTime, b.EndTime = t0.Add(-time.Minute), t0.Add(time.Hour)
	compileFailure := types.Report{SuiteConfig: types.SuiteConfig{RandomSeed: 1700000000}, SuiteSucceeded: true}
	c := fromGinkgo("standard", []types.Report{a, b, compileFailure}, testEnv)
	if c.Seed != 1700000000 || !c.StartedAt.Equal(t0.Add(-time.Minute)) || !c.FinishedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("seed %d, started %s, finished %s", c.Seed, c.StartedAt, c.FinishedAt)
	}
	if c.StorageClass != "standard" || c.SchemaVersion != SchemaVersion || c.Environment.Provisioner != testEnv.Provisioner {
		t.Errorf("header %+v", c)
	}
	if len(c.Rows) != len(check.All) {
		t.Errorf("%d rows, want one per check", len(c.Rows))
	}
}
