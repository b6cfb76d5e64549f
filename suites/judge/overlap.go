package judge

import (
	"maps"
	"slices"
	"sort"

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
// [Call, Return] intersects the operation's own (touching counts; 0 for no ops): how concurrent
// a history is. A sequential client's history has 0. What a linearizability check gains from
// concurrency is per register: see RegisterOverlap.
func Overlap(ops []history.Op) float64 {
	calls, returns := make([]int64, len(ops)), make([]int64, len(ops))
	for i, op := range ops {
		calls[i], returns[i] = op.Call.UnixNano(), op.Return.UnixNano()
	}
	return overlap(calls, returns)
}

// RegisterOverlap is Overlap of the register operations as CheckRegisters gives them to
// porcupine (failed writes and unacknowledged reads dropped, an unknown-outcome write in flight
// until the end), each register key on its own, averaged over all of them: how much the
// linearizability check of each register has to untangle. 0 without register operations.
func RegisterOverlap(ops []history.Op) float64 {
	byKey := map[string][2][]int64{}
	n := 0
	for _, op := range registerOps(ops) {
		k := op.Metadata.(regMeta).key
		iv := byKey[k]
		iv[0], iv[1] = append(iv[0], op.Call), append(iv[1], op.Return)
		byKey[k] = iv
		n++
	}
	if n == 0 {
		return 0
	}
	sum := 0.0
	for _, k := range slices.Sorted(maps.Keys(byKey)) { // a fixed order: the same sum, bit for bit, when recomputed
		iv := byKey[k]
		sum += overlap(iv[0], iv[1]) * float64(len(iv[0]))
	}
	return sum / float64(n)
}

// overlap is the mean number of other intervals [calls[i], returns[i]] each one intersects (a
// return before its call counts as the call), by binary searches over the sorted ends: O(n log n).
func overlap(calls, returns []int64) float64 {
	if len(calls) == 0 {
		return 0
	}
	ends := make([]int64, len(calls))
	for i := range calls {
		ends[i] = max(returns[i], calls[i])
	}
	sortedCalls, sortedEnds := slices.Sorted(slices.Values(calls)), slices.Sorted(slices.Values(ends))
	total := 0
	for i := range calls {
		// Intervals that start at or before this one ends, less those that end before it
		// starts, less itself.
		started := sort.Search(len(sortedCalls), func(j int) bool { return sortedCalls[j] > ends[i] })
		ended := sort.Search(len(sortedEnds), func(j int) bool { return sortedEnds[j] >= calls[i] })
		total += started - ended - 1
	}
	return float64(total) / float64(len(calls))
}
