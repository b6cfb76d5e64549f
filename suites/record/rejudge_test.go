package record

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
	"github.com/stateproof/stateproof/suites/judge"
)

// saveRun writes, as a data spec does, a record of the run with the read-back held into a new
// folder and returns it.
func saveRun(t *testing.T, held []int64) (string, *Spec) {
	t.Helper()
	dir := t.TempDir()
	ops, in := run()
	f, err := os.Create(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := history.WriteJSONLines(f, ops); err != nil {
		t.Fatal(err)
	}
	f.Close()
	data, _ := json.Marshal(held)
	if err := os.WriteFile(filepath.Join(dir, ReadBackFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := DecideData(in, ops, held)
	s := New("MySQL keeps every acknowledged write when its pod is deleted", []string{"check:data-pod-delete"})
	s.Phase, s.State, s.Data, s.Figures = PhaseCleanUp, "passed", &in, r.Figures
	s.Add(r.Judgements...)
	s.Identity = &IdentityEvidence{Before: []judge.Identity{{PodName: "mysql-0", PVCName: "data-mysql-0", PVUID: "pv-1"}},
		After: []judge.Identity{{PodName: "mysql-0", PVCName: "data-mysql-0", PVUID: "pv-1"}}}
	s.Add(JudgeIdentityEvidence(*s.Identity))
	o := Observation{Judge: JudgeStorage, Check: CheckClaimBound, Seconds: 3, LimitSeconds: 120,
		Claims: []ClaimReading{{Name: "provisioned", Found: true, Phase: "Bound"}}}
	s.Observations = append(s.Observations, o)
	s.Add(JudgeObservation(o))
	s.Figures.BindSeconds = &o.Seconds
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir, s
}

func TestRejudgeReproducesTheRun(t *testing.T) {
	ops, _ := run()
	held := acknowledged(ops)
	dir, _ := saveRun(t, held)
	s, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	js, figures, err := Rejudge(s, dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := Differences(s, js, figures); len(d) != 0 {
		t.Errorf("differences on an untouched record: %q", d)
	}
}

// Negative controls: a record whose stored verdict no longer follows from its evidence is caught.
func TestRejudgeCatchesAnEditedRecord(t *testing.T) {
	ops, _ := run()
	held := acknowledged(ops)
	dir, _ := saveRun(t, held)

	// The read-back loses a row after the fact: data no longer passes.
	data, _ := json.Marshal(held[1:])
	if err := os.WriteFile(filepath.Join(dir, ReadBackFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := Read(dir)
	js, figures, err := Rejudge(s, dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := Differences(s, js, figures); len(d) == 0 {
		t.Error("a read-back that lost a row reproduced the recorded pass")
	}

	// The identity evidence is edited: another PV after recovery.
	dir, _ = saveRun(t, held)
	s, _ = Read(dir)
	s.Identity.After[0].PVUID = "pv-2"
	js, figures, _ = Rejudge(s, dir)
	if d := Differences(s, js, figures); len(d) == 0 {
		t.Error("a changed PV reproduced the recorded identity pass")
	}

	// The observation is edited: the PVC was still Pending when the wait gave up.
	dir, _ = saveRun(t, held)
	s, _ = Read(dir)
	s.Observations[0].Claims[0].Phase = "Pending"
	js, figures, _ = Rejudge(s, dir)
	if d := Differences(s, js, figures); len(d) == 0 {
		t.Error("a Pending PVC reproduced the recorded provisioning pass")
	}
}

// Evidence the record's judgements do not account for (an observation without its judgement)
// is an error: the record was cut or edited.
func TestRejudgeRefusesEvidenceWithoutItsJudgement(t *testing.T) {
	s := New("x", nil)
	s.Observations = []Observation{{Judge: JudgeStorage, Check: CheckPodReady, Pod: &PodReading{Name: "p", Found: true, Ready: true}}}
	if _, _, err := Rejudge(s, t.TempDir()); err == nil || !strings.Contains(err.Error(), "storage") {
		t.Errorf("an observation without its judgement: %v, want an error naming judge storage", err)
	}
}

func TestRejudgeNamesMissingEvidence(t *testing.T) {
	dir, s := saveRun(t, nil)
	if err := os.Remove(filepath.Join(dir, HistoryFile)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Rejudge(s, dir); err == nil {
		t.Error("no error without the history")
	}
}

func TestReadAllAndSchemaVersion(t *testing.T) {
	root := t.TempDir()
	if err := New("a", nil).Write(filepath.Join(root, "a")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "b", FileName), []byte(`{"schemaVersion":"v0","name":"b"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	found, err := ReadAll(root)
	if len(found) != 1 || found[0].Spec.Name != "a" || err == nil {
		t.Errorf("found %d, err %v: want a, and an error naming b's schema version", len(found), err)
	}
}

func TestOutcomeOf(t *testing.T) {
	for err, want := range map[error]Outcome{nil: Pass, judge.ErrUnreliable: Undecided, ErrUndecided: Undecided, os.ErrNotExist: Fail} {
		if got := OutcomeOf(err); got != want {
			t.Errorf("OutcomeOf(%v) = %s, want %s", err, got, want)
		}
	}
}

// A judgement that claims to be recomputable but has no evidence is an error, never shown as
// recomputed.
func TestRejudgeRefusesAJudgementWithoutEvidence(t *testing.T) {
	s := New("x", nil)
	s.Add(Judgement{Judge: JudgeData, Outcome: Pass})
	if _, _, err := Rejudge(s, t.TempDir()); err == nil {
		t.Error("a data judgement without data evidence was accepted")
	}
}

// A pod whose DNS record does not follow it after recovery fails the identity judge when the
// identities were measured as seen; unmeasured ones are not held to it.
func TestJudgeIdentityEvidenceSeen(t *testing.T) {
	id := judge.Identity{PodName: "web-1", Hostname: "web-1", PVCName: "www-web-1", PVUID: "pv-1", PodIP: "10.0.0.7",
		ContainerHostname: "web-1", DNSAddresses: []string{"10.0.0.7"}}
	stale := id
	stale.PodIP = "10.0.0.9" // the pod moved; its DNS record still names the old IP
	ev := IdentityEvidence{Before: []judge.Identity{id}, After: []judge.Identity{stale}, Seen: true}
	if j := JudgeIdentityEvidence(ev); j.Outcome != Fail || !strings.Contains(j.Message, "DNS record") {
		t.Errorf("stale DNS record: %+v, want a failure naming the DNS record", j)
	}
	ev.After = []judge.Identity{id}
	if j := JudgeIdentityEvidence(ev); j.Outcome != Pass {
		t.Errorf("same identity, seen as given: %+v", j)
	}
	ev = IdentityEvidence{Before: []judge.Identity{{PodName: "mysql-0", Hostname: "mysql-0", PVCName: "data-mysql-0", PVUID: "pv-2"}}}
	ev.After = ev.Before
	if j := JudgeIdentityEvidence(ev); j.Outcome != Pass {
		t.Errorf("identity not measured as seen: %+v, want only name, hostname, PVC and PV compared", j)
	}
}

// A spec that meets several faults has a verdict per injection: the judgements made after each,
// before the next.
func TestInjectionVerdicts(t *testing.T) {
	s := New("MySQL holds its budget through two drains", nil)
	s.Injections = []Injection{{FirstJudgement: 0}, {FirstJudgement: 2}}
	s.Injections[0].Fault, s.Injections[1].Fault = "node-drain", "node-drain"
	s.Add(Judgement{Judge: JudgeBudget, Outcome: Pass}, Judgement{Judge: JudgeRecovery, Outcome: Pass},
		Judgement{Judge: JudgeData, Outcome: Fail, Message: "1 of 300 acknowledged writes lost"}, Judgement{Judge: JudgeIdentity, Outcome: Pass})
	v := s.InjectionVerdicts(s.Judgements)
	if len(v) != 2 || v[0].Outcome != Pass || len(v[0].Judgements) != 2 || v[1].Outcome != Fail || len(v[1].Judgements) != 2 {
		t.Errorf("verdicts %+v: want the first drain passed (2 judgements), the second failed (2)", v)
	}
	undecided := New("x", nil)
	undecided.Injections = []Injection{{FirstJudgement: 0}}
	undecided.Add(Judgement{Judge: JudgePreconditions, Outcome: Undecided}, Judgement{Judge: JudgeData, Outcome: Pass})
	if v := undecided.InjectionVerdicts(undecided.Judgements); v[0].Outcome != Undecided {
		t.Errorf("an undecided judgement: %+v", v)
	}
	none := New("y", nil)
	none.Injections = []Injection{{FirstJudgement: 3}} // cut short: the spec failed before judging
	if v := none.InjectionVerdicts(nil); len(v) != 1 || v[0].Outcome != "" || len(v[0].Judgements) != 0 {
		t.Errorf("no judgement after the injection: %+v", v)
	}
}
