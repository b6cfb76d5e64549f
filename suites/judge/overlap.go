package judge

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
)

// Clients returns the number of distinct clients (history.Op.Client) in ops: the agent's
// concurrent clients that wrote.
func Clients(ops []history.Op) int {
	seen := map[string]bool{}
	for _, op := range ops {
		seen[op.Client] = true
	}
	return len(seen)
}

// Overlap returns the mean, over ops, of the number of other operations of ops whose interval
// [Call, Return] intersects the operation's own (0 for no ops): how concurrent a history is. A
// sequential client's history has 0; a history a linearizability checker can learn anything
// from has well above 1. Each operation is counted by a binary search over the sorted calls and
// returns (O(n log n)).
func Overlap(ops []history.Op) float64 {
	if len(ops) == 0 {
		return 0
	}
	calls := make([]time.Time, len(ops))
	returns := make([]time.Time, len(ops))
	for i, op := range ops {
		calls[i], returns[i] = op.Call, latest(op.Return, op.Call)
	}
	slices.SortFunc(calls, time.Time.Compare)
	slices.SortFunc(returns, time.Time.Compare)
	total := 0
	for _, op := range ops {
		ret := latest(op.Return, op.Call)
		// Operations that called at or before op returned, less those that returned before op
		// called, less op itself.
		calledBefore := sort.Search(len(calls), func(i int) bool { return calls[i].After(ret) })
		doneBefore := sort.Search(len(returns), func(i int) bool { return !returns[i].Before(op.Call) })
		total += calledBefore - doneBefore - 1
	}
	return float64(total) / float64(len(ops))
}

// RegisterOverlap is Overlap of the register operations (kinds reg-write and reg-read) of
// each register key on its own, averaged over all of them weighted by their number: how much
// the linearizability check of each register has to untangle. 0 without register operations.
func RegisterOverlap(ops []history.Op) float64 {
	byKey := map[string][]history.Op{}
	n := 0
	for _, op := range OnlyKinds(ops, kindRegWrite, kindRegRead) {
		byKey[op.Key] = append(byKey[op.Key], op)
		n++
	}
	if n == 0 {
		return 0
	}
	sum := 0.0
	for _, key := range slices.Sorted(maps.Keys(byKey)) { // a fixed order: the same sum, bit for bit, when recomputed
		sum += Overlap(byKey[key]) * float64(len(byKey[key]))
	}
	return sum / float64(n)
}
