// Package judge holds the pure functions that decide a spec's verdict from recorded histories,
// read-backs and observed objects. Nothing here talks to a cluster.
package judge

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
)

// ErrUnreliable marks a run whose preconditions did not hold: its data verdict would prove
// nothing, so it is neither a pass nor a data-loss failure.
var ErrUnreliable = errors.New("unreliable run")

// DataVerdict compares a write history with what the workload holds after recovery.
type DataVerdict struct {
	// Acknowledged writes: the server said OK.
	Acknowledged int `json:"acknowledged"`
	// Lost acknowledged writes: absent from the read-back.
	Lost int `json:"lost"`
	// Duplicated ids: present more than once in the read-back.
	Duplicated int `json:"duplicated"`
	// Unknown-outcome writes (present or not, neither counts against the workload).
	Unknown int `json:"unknown"`
	// UnknownPresent of them are in the read-back.
	UnknownPresent int `json:"unknownPresent"`
	// Phantom ids are in the read-back but were never written, or their write certainly failed.
	Phantom int `json:"phantom"`
	// LostIDs lists up to 20 lost ids, for the failure message.
	LostIDs []int64 `json:"lostIds,omitempty"`
}

// CheckWrites judges a history of inserts against the ids read back after recovery.
func CheckWrites(ops []history.Op, readBack []int64) DataVerdict {
	present := map[int64]int{}
	for _, id := range readBack {
		present[id]++
	}
	var v DataVerdict
	written := map[int64]history.Outcome{}
	for _, op := range ops {
		written[op.ID] = op.Outcome
		switch op.Outcome {
		case history.OK:
			v.Acknowledged++
			if present[op.ID] == 0 {
				v.Lost++
				if len(v.LostIDs) < 20 {
					v.LostIDs = append(v.LostIDs, op.ID)
				}
			}
		case history.Unknown:
			v.Unknown++
			if present[op.ID] > 0 {
				v.UnknownPresent++
			}
		}
	}
	for id, n := range present {
		if n > 1 {
			v.Duplicated++
		}
		if o, ok := written[id]; !ok || o == history.Fail {
			v.Phantom++
		}
	}
	return v
}

// Err is nil when every acknowledged write survived exactly once and nothing appeared that was
// not written; otherwise it says what was lost, duplicated or invented.
func (v DataVerdict) Err() error {
	if v.Lost == 0 && v.Duplicated == 0 && v.Phantom == 0 {
		return nil
	}
	return fmt.Errorf("data check failed: %d of %d acknowledged writes lost (ids %v), %d duplicated, %d present that were never acknowledged or certainly failed",
		v.Lost, v.Acknowledged, v.LostIDs, v.Duplicated, v.Phantom)
}

// Preconditions checks that a run can prove something: at least minAcked writes acknowledged
// before the fault started. The error wraps ErrUnreliable.
func Preconditions(ops []history.Op, faultStart time.Time, minAcked int) error {
	n := 0
	for _, op := range ops {
		if op.Outcome == history.OK && op.Return.Before(faultStart) {
			n++
		}
	}
	if n < minAcked {
		return fmt.Errorf("%w: %d writes acknowledged before the fault at %s, want at least %d",
			ErrUnreliable, n, faultStart.Format(time.RFC3339Nano), minAcked)
	}
	return nil
}

// RTO is the recovery time seen by clients: from the call of the first write (of any client)
// that did not succeed at or after from, to the return of the first successful write (of any
// client) called after that failed one returned, as a sequential client's next write would be:
// a write of another client already in flight with the failed one says nothing about recovery.
// outage is false when no write failed (RTO 0); err is set when writes failed and none
// succeeded afterwards (no recovery).
func RTO(ops []history.Op, from time.Time) (rto time.Duration, outage bool, err error) {
	sorted := slices.Clone(ops)
	slices.SortStableFunc(sorted, func(a, b history.Op) int { return a.Call.Compare(b.Call) })
	var firstBad *history.Op
	for i := range sorted {
		op := &sorted[i]
		if op.Call.Before(from) {
			continue
		}
		if firstBad == nil {
			if op.Outcome != history.OK {
				firstBad = op
			}
			continue
		}
		if op.Outcome == history.OK && op.Call.After(firstBad.Return) {
			return op.Return.Sub(firstBad.Call), true, nil
		}
	}
	if firstBad == nil {
		return 0, false, nil
	}
	return 0, true, fmt.Errorf("no successful write after the first failed one at %s", firstBad.Call.Format(time.RFC3339Nano))
}

// Tolerate returns a copy of ops in which the writes acknowledged (Outcome OK) with a Return in
// [from, to) count as unknown-outcome: writes a durability setting may lose by design (Redis
// appendfsync everysec may lose the last second before a power cut), so that CheckWrites
// neither counts them lost when absent nor phantom when present.
func Tolerate(ops []history.Op, from, to time.Time) []history.Op {
	out := slices.Clone(ops)
	for i := range out {
		if out[i].Outcome == history.OK && !out[i].Return.Before(from) && out[i].Return.Before(to) {
			out[i].Outcome = history.Unknown
		}
	}
	return out
}

// OnlyKinds returns the ops whose Kind is one of kinds, in their original order. It lets one
// history mixing workloads be split, e.g. CheckWrites(OnlyKinds(ops, "set", "rpush"), ids).
func OnlyKinds(ops []history.Op, kinds ...string) []history.Op {
	var out []history.Op
	for _, op := range ops {
		if slices.Contains(kinds, op.Kind) {
			out = append(out, op)
		}
	}
	return out
}

// RPO is the recovery point objective actually measured: how much acknowledged data, counted
// in time, the fault lost. ops are unique-id writes only (filter them with OnlyKinds, e.g.
// redis.UniqueKinds). Among the acknowledged ones that returned before faultStart, it is the Return of the last one minus the Return
// of the last one whose ID is in readBack: 0 when the last write acknowledged before the fault
// survived. If none of them survived, it is faultStart minus the Call of the first of them
// (everything written before the fault was lost). Writes acknowledged after faultStart and
// unknown-outcome writes do not count (a lost acknowledged write is reported by CheckWrites).
// The error says when no acknowledged write returned before faultStart.
func RPO(ops []history.Op, readBack []int64, faultStart time.Time) (time.Duration, error) {
	present := map[int64]bool{}
	for _, id := range readBack {
		present[id] = true
	}
	var first, last, lastSurvived *history.Op
	for _, op := range ops {
		if op.Outcome != history.OK || !op.Return.Before(faultStart) {
			continue
		}
		if first == nil || op.Call.Before(first.Call) {
			first = &op
		}
		if last == nil || op.Return.After(last.Return) {
			last = &op
		}
		if present[op.ID] && (lastSurvived == nil || op.Return.After(lastSurvived.Return)) {
			lastSurvived = &op
		}
	}
	switch {
	case last == nil:
		return 0, fmt.Errorf("cannot measure RPO: no write was acknowledged before the fault at %s", faultStart.Format(time.RFC3339Nano))
	case lastSurvived == nil:
		return faultStart.Sub(first.Call), nil
	default:
		return last.Return.Sub(lastSurvived.Return), nil
	}
}
