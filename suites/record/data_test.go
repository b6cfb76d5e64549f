package record

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// inserts returns n writes of kind "insert", one every 20 ms from start, ids from first, with
// outcome o.
func inserts(first int64, n int, start time.Time, o history.Outcome) []history.Op {
	ops := make([]history.Op, n)
	for i := range ops {
		call := start.Add(time.Duration(i) * 20 * time.Millisecond)
		ops[i] = history.Op{Client: "agent", Kind: "insert", ID: first + int64(i), Call: call, Return: call.Add(5 * time.Millisecond), Outcome: o}
	}
	return ops
}

// ids lists the ids of ops.
func ids(ops []history.Op) []int64 {
	out := make([]int64, len(ops))
	for i, op := range ops {
		out[i] = op.ID
	}
	return out
}

// acknowledged lists the ids of the acknowledged ops: what a workload that kept everything holds.
func acknowledged(ops []history.Op) []int64 {
	var out []int64
	for _, op := range ops {
		if op.Outcome == history.OK {
			out = append(out, op.ID)
		}
	}
	return out
}

// run is a history: 200 writes acknowledged before the fault at t0+4s, 20 failed during it, 60
// acknowledged after recovery at t0+6s; in is its DataInput.
func run() ([]history.Op, DataInput) {
	ops := inserts(1, 200, t0, history.OK)
	ops = append(ops, inserts(201, 20, t0.Add(4*time.Second), history.Fail)...)
	ops = append(ops, inserts(221, 60, t0.Add(6*time.Second), history.OK)...)
	return ops, DataInput{UniqueKinds: []string{"insert"}, MinAcked: 100, FaultStart: t0.Add(4 * time.Second),
		FaultEnd: t0.Add(5 * time.Second), ResumeFrom: t0.Add(6 * time.Second), AckedAfter: 50}
}

// outcomes maps each judge to its outcome.
func outcomes(js []Judgement) map[Judge]Outcome {
	out := map[Judge]Outcome{}
	for _, j := range js {
		out[j.Judge] = j.Outcome
	}
	return out
}

func TestDecideDataPass(t *testing.T) {
	ops, in := run()
	r := DecideData(in, ops, acknowledged(ops))
	for j, o := range outcomes(r.Judgements) {
		if o != Pass {
			t.Errorf("%s: %s, want pass (%+v)", j, o, r.Judgements)
		}
	}
	if r.Figures.RTOSeconds == nil || *r.Figures.Acknowledged != 260 || *r.Figures.Lost != 0 {
		t.Errorf("figures %+v", r.Figures)
	}
}

// Rule 8: writes that never resume still get the read-back judged: a volume that came back
// empty is "N of M acknowledged writes lost", not only "did not accept writes".
func TestDecideDataWritesNeverResumed(t *testing.T) {
	ops := inserts(1, 200, t0, history.OK)
	ops = append(ops, inserts(201, 300, t0.Add(4*time.Second), history.Fail)...)
	_, in := run()
	r := DecideData(in, ops, nil)
	got := outcomes(r.Judgements)
	if got[JudgeRecovery] != Fail || got[JudgeData] != Fail {
		t.Fatalf("judgements %+v: want recovery and data failed", r.Judgements)
	}
	for _, j := range r.Judgements {
		if j.Judge == JudgeData && !strings.Contains(j.Message, "200 of 200 acknowledged writes lost") {
			t.Errorf("data judgement %q does not count the loss", j.Message)
		}
	}
}

// Rule 3: too few writes before the fault is undecided, never pass or fail.
func TestDecideDataUnreliableIsUndecided(t *testing.T) {
	ops, in := run()
	in.MinAcked = 500
	r := DecideData(in, ops, ids(ops))
	if o := outcomes(r.Judgements)[JudgePreconditions]; o != Undecided {
		t.Errorf("preconditions %s, want undecided", o)
	}
}

func TestDecideDataReadBackRefused(t *testing.T) {
	ops, in := run()
	in.ReadBackError = "Table 'stateproof.writes' doesn't exist"
	r := DecideData(in, ops, nil)
	last := r.Judgements[len(r.Judgements)-1]
	if last.Judge != JudgeReadBack || last.Outcome != Fail || !strings.Contains(last.Message, in.ReadBackError) {
		t.Errorf("last judgement %+v, want a read-back failure quoting the workload's answer", last)
	}
}

// A tolerated window (maxRPO) lets the writes just before the fault go, but not older ones.
func TestDecideDataTolerance(t *testing.T) {
	ops, in := run()
	in.MaxRPOSeconds = 2
	var held []int64
	for _, op := range ops {
		if op.Outcome == history.OK && op.Return.Before(t0.Add(3*time.Second)) || !op.Call.Before(in.ResumeFrom) {
			held = append(held, op.ID)
		}
	}
	got := outcomes(DecideData(in, ops, held).Judgements)
	if got[JudgeData] != Pass || got[JudgeRPO] != Pass {
		t.Errorf("losing the last second: %v, want data and rpo passed", got)
	}
	held = append(ids(ops[:50]), ids(ops[220:])...) // 3 s of writes before the fault lost
	if got := outcomes(DecideData(in, ops, held).Judgements); got[JudgeData] != Fail || got[JudgeRPO] != Fail {
		t.Errorf("losing 3 s of writes: %v, want data and rpo failed", got)
	}
}

// Rule 6: operation times and fault times share one clock base. An agent whose clock runs 90 s
// ahead of the harness gets the same verdict once its offset is known, and a wrong one without.
func TestDecideDataCorrectsTheAgentsClock(t *testing.T) {
	ops, in := run()
	held := acknowledged(ops)
	want := DecideData(in, ops, held)
	const ahead = 90 * time.Second
	shifted := make([]history.Op, len(ops))
	for i, op := range ops {
		op.Call, op.Return = op.Call.Add(ahead), op.Return.Add(ahead)
		shifted[i] = op
	}
	sent := t0.Add(time.Hour)
	in.ClockOffsetSeconds = ClockOffset(sent, sent.Add(40*time.Millisecond), sent.Add(20*time.Millisecond+ahead)).Seconds()
	if in.ClockOffsetSeconds != ahead.Seconds() {
		t.Fatalf("offset %v s, want %v s", in.ClockOffsetSeconds, ahead.Seconds())
	}
	got := DecideData(in, shifted, held)
	if !reflect.DeepEqual(outcomes(got.Judgements), outcomes(want.Judgements)) || *got.Figures.RTOSeconds != *want.Figures.RTOSeconds {
		t.Errorf("with the offset: %+v, want %+v", got.Judgements, want.Judgements)
	}
	in.ClockOffsetSeconds = 0
	if o := outcomes(DecideData(in, shifted, held).Judgements); o[JudgePreconditions] == Pass {
		t.Errorf("without the offset the preconditions passed: the test proves nothing")
	}
}
