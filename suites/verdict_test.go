//go:build e2e

package suites

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/suites/labels"
	"github.com/stateproof/stateproof/suites/record"
)

// current holds the record (verdict.json) of the spec this process runs: Ginkgo runs one spec
// at a time per process. ReportBeforeEach starts it, the steps fill it in, ReportAfterEach (after
// every clean-up) writes it into the spec's artifacts folder.
var current struct {
	mu  sync.Mutex
	rec *record.Spec
}

// recorded runs f on the current spec's record (a no-op outside a spec).
func recorded(f func(r *record.Spec)) {
	current.mu.Lock()
	defer current.mu.Unlock()
	if current.rec != nil {
		f(current.rec)
	}
}

// enter records that the spec has reached phase p.
func enter(p record.Phase) { recorded(func(r *record.Spec) { r.Phase = p }) }

// judged records the judgements on the spec's record and fails the spec, naming every one that
// did not pass, unless all passed. Only a recorded judgement with outcome fail makes the spec
// count as a failure of the storage; any other failure is an error (see package reports).
func judged(js ...record.Judgement) {
	GinkgoHelper()
	recorded(func(r *record.Spec) { r.Add(js...) })
	failUnlessPassed(js)
}

// failUnlessPassed fails the spec, naming every judgement of js that did not pass, unless all
// passed (they are already on the record).
func failUnlessPassed(js []record.Judgement) {
	GinkgoHelper()
	var bad []string
	for _, j := range js {
		if j.Outcome != record.Pass {
			bad = append(bad, fmt.Sprintf("%s %s: %s", j.Judge, j.Outcome, j.Message))
		}
	}
	if len(bad) > 0 {
		Fail(strings.Join(bad, "; "))
	}
}

// notApplicable records why the spec does not apply and skips it: reported as "not
// applicable", never as a pass.
func notApplicable(reason string) {
	recorded(func(r *record.Spec) { r.NotApplicable = reason })
	AddReportEntry("verdict", "not applicable: "+reason)
	Skip("not applicable: " + reason)
}

// negativeControl marks the spec as a negative control on its record: it passes when its
// judges find the seeded loss.
func negativeControl() { recorded(func(r *record.Spec) { r.Control = true }) }

// recordInjection appends a fault's injection to the record.
func recordInjection(inj faults.Injection) {
	recorded(func(r *record.Spec) {
		r.Injections = append(r.Injections, record.Injection{Injection: inj, FirstJudgement: len(r.Judgements)})
	})
}

var _ = ReportBeforeEach(func(r SpecReport) {
	current.mu.Lock()
	defer current.mu.Unlock()
	current.rec = nil
	if suite, _ := GinkgoConfiguration(); suite.DryRun || r.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
		return // a dry run, or filtered out: nothing runs, nothing is recorded
	}
	current.rec = record.New(r.FullText(), r.Labels())
})

// The body has returned: what fails from here on is clean-up, never the storage (a body that
// failed, or found the spec not applicable, keeps the phase it was in).
var _ = AfterEach(func() {
	failed := CurrentSpecReport().Failed()
	recorded(func(r *record.Spec) {
		if !failed && r.NotApplicable == "" {
			r.Phase = record.PhaseCleanUp
		}
	})
})

var _ = ReportAfterEach(func(r SpecReport) {
	current.mu.Lock()
	defer current.mu.Unlock()
	rec := current.rec
	current.rec = nil
	if rec == nil {
		return
	}
	rec.State, rec.RunSeconds = r.State.String(), r.RunTime.Seconds()
	if r.State.Is(types.SpecStateFailureStates) {
		f := r.Failure
		rec.Failure = &record.Failure{Phase: rec.Phase, Node: f.FailureNodeType.String(), Message: f.Message}
		if f.Location.FileName != "" {
			rec.Failure.Location = fmt.Sprintf("%s:%d", filepath.Base(f.Location.FileName), f.Location.LineNumber)
		}
	}
	if err := rec.Write(specDir(r.FullText())); err != nil {
		GinkgoWriter.Printf("writing the spec's record: %v\n", err)
	}
})

// Every spec's labels must be in the registries' vocabulary, and every certificate row must have
// a spec that can decide it (labels.Problems). `make test` runs this on a dry run of the suites.
// After a failed suite set-up the report lists no spec: there is nothing to check.
var _ = ReportAfterSuite("labels are the registries'", func(r Report) {
	for _, s := range r.SpecReports {
		if s.LeafNodeType.Is(types.NodeTypeBeforeSuite|types.NodeTypeSynchronizedBeforeSuite) && s.State.Is(types.SpecStateFailureStates) {
			return
		}
	}
	if problems := labels.Registered().Problems(r.SpecReports); len(problems) > 0 {
		Fail("the suites' labels do not match the registries:\n  " + strings.Join(problems, "\n  "))
	}
})
