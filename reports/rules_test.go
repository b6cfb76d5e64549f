package reports

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/reports/check"
	"github.com/stateproof/stateproof/suites/record"
)

// certifiedSpecs returns passing specs for every required row, for a certificate that only a rule under test
// can spoil.
func certifiedSpecs() []types.SpecReport {
	var specs []types.SpecReport
	for _, id := range check.Required {
		specs = append(specs, judged(spec("passes "+string(id), types.SpecStatePassed, "check:"+string(id))))
	}
	return specs
}

// Rule 1: a spec whose body passed and whose clean-up failed (namespace deletion timed out) is an
// error in its row, never a data failure.
func TestRule1CleanUpFailureIsAnError(t *testing.T) {
	s := failure(in(judged(spec("cleans up", types.SpecStatePassed, "check:data-pod-delete")), record.PhaseCleanUp),
		"namespace stateproof-mysql-1 not deleted within 3m0s")
	s.State = types.SpecStateFailed
	c := fromGinkgo("standard", []types.Report{suite(append(certifiedSpecs(), s)...)}, testEnv)
	r := row(c, check.DataPodDelete)
	got := r.Specs[len(r.Specs)-1]
	if got.Verdict != Error || !strings.Contains(got.Reason, "clean-up failed") || r.Verdict != Error {
		t.Errorf("spec %+v, row %s: want an error blaming clean-up", got, r.Verdict)
	}
	if c.Verdict != SummaryNotCertified {
		t.Errorf("headline %s, want %s (nothing failed)", c.Verdict, SummaryNotCertified)
	}
}

// Rule 2: a confirmed failure outranks an error: the row is fail, the headline FAILED, and the
// blocking line names the loss first and the error too.
func TestRule2LossOutranksError(t *testing.T) {
	loss := failure(judged(spec("loses", types.SpecStateFailed, "check:data-node-restart")), "3 of 200 acknowledged writes lost")
	harness := failure(entry(spec("cannot reach the agent", types.SpecStateFailed, "check:data-node-restart"), "harness error", `"fetching the agent's history"`), "connection refused")
	c := fromGinkgo("standard", []types.Report{suite(append(certifiedSpecs(), harness, loss)...)}, testEnv)
	if r := row(c, check.DataNodeRestart); r.Verdict != Fail {
		t.Fatalf("row %s, want fail", r.Verdict)
	}
	if c.Verdict != SummaryFailed {
		t.Errorf("headline %s, want FAILED", c.Verdict)
	}
	var line string
	for _, b := range c.Blocking {
		if strings.HasPrefix(b, check.DataNodeRestart.Title()) {
			line = b
		}
	}
	iLoss, iErr := strings.Index(line, "3 of 200 acknowledged writes lost"), strings.Index(line, "error: MySQL cannot reach the agent")
	if iLoss < 0 || iErr < 0 || iLoss > iErr {
		t.Errorf("blocking line %q: want the loss, then the error", line)
	}
}

// Rule 3: an unreliable run (too few writes before the fault) and a linearizability search that
// timed out are errors ("could not decide"), never fail and never pass.
func TestRule3UndecidedIsAnError(t *testing.T) {
	for name, s := range map[string]types.SpecReport{
		"unreliable": failure(undecided(spec("too few writes", types.SpecStateFailed, "check:data-pod-delete"),
			"unreliable run: 40 writes acknowledged before the fault, want at least 100"), "preconditions undecided"),
		"porcupine timeout": failure(undecided(spec("registers", types.SpecStateFailed, "check:data-pod-delete"),
			"could not decide: register check could not decide within its timeout"), "registers undecided"),
		"passed yet undecided": undecided(spec("odd", types.SpecStatePassed, "check:data-pod-delete"), "could not decide"),
	} {
		got := row(fromGinkgo("standard", []types.Report{suite(s)}, testEnv), check.DataPodDelete).Specs[0]
		if got.Verdict != Error || !strings.HasPrefix(got.Reason, "could not decide: ") {
			t.Errorf("%s: %+v, want an error that could not decide", name, got)
		}
	}
}

// SpecVerdict gives, from a record alone, the verdict FromGinkgo gives from the report and the
// record.
func TestSpecVerdictFromRecordAlone(t *testing.T) {
	for _, s := range []types.SpecReport{
		judged(spec("passes", types.SpecStatePassed, "check:data-pod-delete")),
		failure(judged(spec("loses", types.SpecStateFailed, "check:data-pod-delete")), "2 of 9 lost"),
		failure(in(spec("set-up", types.SpecStateFailed, "check:data-pod-delete"), record.PhaseSetUp), "no agent"),
		failure(spec("times out", types.SpecStateTimedout, "check:data-pod-delete"), "A SpecTimeout occurred"),
		notApplicable("node-bound", "volume is node-bound", "check:data-pod-delete"),
	} {
		want := row(fromGinkgo("standard", []types.Report{suite(s)}, testEnv), check.DataPodDelete).Specs[0]
		rec := recordOf(s)
		if rec.Failure != nil {
			rec.Failure.Location = "steps_test.go:139"
		}
		v, why := SpecVerdict(rec)
		if v != want.Verdict || why != want.Reason {
			t.Errorf("%s: from the record %s %q, from the report %s %q", s.LeafNodeText, v, why, want.Verdict, want.Reason)
		}
	}
}

// Rule 5 (in part): a hand-edited certificate whose row verdict no longer follows from its specs
// does not validate.
func TestValidateRecomputesRowVerdicts(t *testing.T) {
	c := sample()
	for i := range c.Rows {
		if c.Rows[i].Check == check.DataDrain {
			c.Rows[i].Verdict = Pass // its spec lost 3 acknowledged writes
		}
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	err = Validate(data)
	if err == nil || !strings.Contains(err.Error(), `verdict: is "pass" but the row's specs make it "fail"`) {
		t.Errorf("Validate: %v, want the edited row verdict rejected", err)
	}
}
