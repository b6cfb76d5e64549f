package record

import (
	"fmt"
	"time"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
	"github.com/stateproof/stateproof/suites/judge"
)

// RegistersTimeout bounds porcupine's search of a register history, in the run and offline;
// past it the registers judgement is Undecided.
const RegistersTimeout = time.Minute

// DataInput is what the data judges read besides the history (HistoryFile) and the read-back
// (ReadBackFile): the fault's times and the workload's tolerances.
type DataInput struct {
	// UniqueKinds are the history kinds (history.Op.Kind) whose every acknowledged id must be
	// read back.
	UniqueKinds []string `json:"uniqueKinds"`
	// MinAcked is the precondition: writes acknowledged before the fault.
	MinAcked int `json:"minAcked"`
	// MaxRPOSeconds, when > 0, tolerates the loss of writes acknowledged in that many seconds
	// before the fault and while it took hold; the measured RPO must stay within it.
	MaxRPOSeconds float64 `json:"maxRPOSeconds,omitempty"`
	// FaultStart and FaultEnd are the injection's Start and End.
	FaultStart time.Time `json:"faultStart"`
	FaultEnd   time.Time `json:"faultEnd"`
	// ResumeFrom is when, after recovery, the harness began waiting for AckedAfter more
	// acknowledged writes; AckedAfter writes must return after it.
	ResumeFrom time.Time `json:"resumeFrom"`
	AckedAfter int       `json:"ackedAfter"`
	// ReadBackError is the workload's definite refusal to read its data back ("" when it did).
	ReadBackError string `json:"readBackError,omitempty"`
	// Registers asks for the register linearizability judge (Redis).
	Registers bool `json:"registers,omitempty"`
	// ClockOffsetSeconds is the agent pod's clock minus the harness's, in seconds (ClockOffset).
	// FaultStart, FaultEnd and ResumeFrom are on the harness's clock, the history on the
	// agent's: the judges shift the former by it, so that on a remote cluster preconditions, RPO
	// and tolerance windows compare times of one clock.
	ClockOffsetSeconds float64 `json:"clockOffsetSeconds,omitempty"`
}

// ClockOffset estimates the agent's clock minus the harness's from one exchange: the harness
// sent a request at sent and had the answer at received (its clock), the agent answered with its
// clock reading agentNow. The agent read its clock at the midpoint, within ±(received-sent)/2.
func ClockOffset(sent, received, agentNow time.Time) time.Duration {
	return agentNow.Sub(sent.Add(received.Sub(sent) / 2))
}

// onAgentClock returns in with its harness times shifted onto the agent's clock.
func (in DataInput) onAgentClock() DataInput {
	d := time.Duration(in.ClockOffsetSeconds * float64(time.Second))
	in.FaultStart, in.FaultEnd, in.ResumeFrom = in.FaultStart.Add(d), in.FaultEnd.Add(d), in.ResumeFrom.Add(d)
	return in
}

// DataResult is the data judges' decision on one run.
type DataResult struct {
	// Judgements are, in order: preconditions, recovery, read-back (when it failed), data,
	// rpo (when tolerated), registers (when asked).
	Judgements []Judgement
	// Figures are what the run measured.
	Figures Figures
	// Verdict is the write check's detail.
	Verdict judge.DataVerdict
	// Registers is the register check's detail (when asked); Info porcupine's evidence.
	Registers *judge.RegisterVerdict
	// Outage is true when at least one write failed after the fault.
	Outage bool
}

// DecideData judges a run from its history ops and its read-back ids, with in. It is the one
// function the suites and `stateproof judge` both call: a verdict recomputed from saved
// artifacts is the run's. Writes that never resumed do not stop the judging: what the workload
// holds is still compared with what it acknowledged.
func DecideData(in DataInput, ops []history.Op, readBack []int64) DataResult {
	in = in.onAgentClock()
	var r DataResult
	r.Figures.Clients, r.Figures.Overlap = ptr(judge.Clients(ops)), ptr(judge.Overlap(ops))
	unique := judge.OnlyKinds(ops, in.UniqueKinds...)
	r.Judgements = append(r.Judgements, Judged(JudgePreconditions, judge.Preconditions(unique, in.FaultStart, in.MinAcked)))

	rto, outage, rtoErr := judge.RTO(ops, in.FaultStart)
	r.Outage = outage
	r.Judgements = append(r.Judgements, Judged(JudgeRecovery, resumed(ops, in, rtoErr)))
	if rtoErr == nil {
		r.Figures.RTOSeconds = ptr(rto.Seconds())
	}

	if in.ReadBackError != "" {
		r.Judgements = append(r.Judgements, Judgement{Judge: JudgeReadBack, Outcome: Fail,
			Message: "the workload could not read its data back: " + in.ReadBackError})
		return r
	}
	rpo, rpoErr := judge.RPO(unique, readBack, in.FaultStart)
	if rpoErr == nil {
		r.Figures.RPOSeconds = ptr(rpo.Seconds())
	}
	judged := ops
	maxRPO := time.Duration(in.MaxRPOSeconds * float64(time.Second))
	if maxRPO > 0 {
		// Writes acknowledged within maxRPO before the fault, or while it took hold, may be
		// lost by design: their outcome counts as unknown, and the RPO is checked instead.
		unique = judge.Tolerate(unique, in.FaultStart.Add(-maxRPO), in.FaultEnd)
		judged = judge.Tolerate(ops, in.FaultStart.Add(-maxRPO), in.FaultEnd)
	}
	r.Verdict = judge.CheckWrites(unique, readBack)
	r.Figures.Acknowledged, r.Figures.Lost, r.Figures.Unknown = ptr(r.Verdict.Acknowledged), ptr(r.Verdict.Lost), ptr(r.Verdict.Unknown)
	r.Judgements = append(r.Judgements, Judged(JudgeData, r.Verdict.Err()))
	if maxRPO > 0 {
		var err error
		switch {
		case rpoErr != nil:
			err = fmt.Errorf("%w: %w", ErrUndecided, rpoErr)
		case rpo > maxRPO:
			err = fmt.Errorf("measured RPO %s exceeds %s", rpo, maxRPO)
		}
		r.Judgements = append(r.Judgements, Judged(JudgeRPO, err))
	}
	if in.Registers {
		v, _ := judge.CheckRegisters(judged, RegistersTimeout)
		r.Registers = &v
		r.Figures.RegisterOverlap = ptr(judge.RegisterOverlap(judged))
		err := v.Err()
		if err != nil && v.Result != "illegal" {
			err = fmt.Errorf("%w: %w", ErrUndecided, err)
		}
		r.Judgements = append(r.Judgements, Judged(JudgeRegisters, err))
	}
	return r
}

// RecordData records on s the data judges' input and their result r (DecideData(in, ...)): the
// judgements and the figures, BindSeconds derived from s's observations as Rejudge derives it,
// so that the record holds what Rejudge recomputes.
func (s *Spec) RecordData(in DataInput, r DataResult) {
	s.Data = &in
	s.Add(r.Judgements...)
	s.Figures = r.Figures
	s.Figures.BindSeconds = bindSeconds(s.Observations, nil)
}

// resumed is nil when in.AckedAfter writes returned acknowledged after in.ResumeFrom and no
// write failed after the fault without one acknowledged after it (rtoErr, from judge.RTO).
func resumed(ops []history.Op, in DataInput, rtoErr error) error {
	if rtoErr != nil {
		return fmt.Errorf("the workload did not accept writes again after the fault: %w", rtoErr)
	}
	n := 0
	for _, op := range ops {
		if op.Outcome == history.OK && op.Return.After(in.ResumeFrom) {
			n++
		}
	}
	if n < in.AckedAfter {
		return fmt.Errorf("the workload did not accept writes again after the fault: %d writes acknowledged after %s, want %d",
			n, in.ResumeFrom.Format(time.RFC3339Nano), in.AckedAfter)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
