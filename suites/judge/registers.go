package judge

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
)

// Operation kinds of the Redis register workload (see history.Op).
const (
	kindRegWrite = "reg-write"
	kindRegRead  = "reg-read"
)

// RegisterVerdict is the outcome of the linearizability check of the register history.
type RegisterVerdict struct {
	// Registers is the number of distinct register keys checked.
	Registers int `json:"registers"`
	// Operations is the number of operations given to the checker (after dropping failed
	// writes and reads without an acknowledged answer).
	Operations int `json:"operations"`
	// Linearizable is true when the checker found a linearization of every register.
	Linearizable bool `json:"linearizable"`
	// Result is "ok", "illegal" (no linearization exists) or "unknown" (the checker timed out).
	Result string `json:"result"`
	// BadRegister is the first key, in sorted order, found not linearizable; empty unless
	// Result is "illegal".
	BadRegister string `json:"badRegister,omitempty"`
}

// Err is nil when the history is linearizable. Otherwise it names the bad register, or says the
// checker could not decide within its timeout; either way the history is kept in the artifacts.
func (v RegisterVerdict) Err() error {
	switch v.Result {
	case "ok":
		return nil
	case "illegal":
		return fmt.Errorf("register check failed: register %q is not linearizable (%d registers, %d operations checked); the history is kept in the artifacts, re-check the saved history offline",
			v.BadRegister, v.Registers, v.Operations)
	default:
		return fmt.Errorf("register check could not decide within its timeout whether %d registers (%d operations) are linearizable; the history is kept in the artifacts, re-check the saved history offline",
			v.Registers, v.Operations)
	}
}

// regInput is a register operation: a write of value, or a read (value unused).
type regInput struct {
	write bool
	value int64
}

// regMeta travels with each porcupine operation: the partition key and what the visualization
// shows besides the operation.
type regMeta struct {
	key     string
	client  string
	outcome history.Outcome
}

// registerModel is a single int64 register per key, starting at 0 (a missing key reads as 0).
var registerModel = porcupine.Model{
	Partition: func(ops []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range ops {
			k := op.Metadata.(regMeta).key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, k := range slices.Sorted(maps.Keys(byKey)) {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return int64(0) },
	Step: func(state, input, output any) (bool, any) {
		in := input.(regInput)
		if in.write {
			return true, in.value
		}
		return output.(int64) == state.(int64), state
	},
	DescribeOperation: func(input, output any) string {
		in := input.(regInput)
		if in.write {
			return fmt.Sprintf("write %d", in.value)
		}
		return fmt.Sprintf("read -> %d", output.(int64))
	},
	DescribeState: func(state any) string { return fmt.Sprint(state.(int64)) },
	DescribeOperationMetadata: func(info any) string {
		m := info.(regMeta)
		return fmt.Sprintf("register %s, client %s, outcome %s", m.key, m.client, m.outcome)
	},
}

// registerOps converts the register ops of a history for porcupine: failed writes and reads
// without an acknowledged value are dropped; unknown-outcome writes return after every other
// op, so they may take effect at any time after their call. Times are nanoseconds since the
// earliest call.
func registerOps(ops []history.Op) []porcupine.Operation {
	var kept []history.Op
	for _, op := range OnlyKinds(ops, kindRegWrite, kindRegRead) {
		switch {
		case op.Kind == kindRegWrite && op.Outcome == history.Fail:
		case op.Kind == kindRegRead && (op.Outcome != history.OK || op.Value == nil):
		default:
			kept = append(kept, op)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	base, end := kept[0].Call, kept[0].Return
	clients := map[string]int{}
	for _, op := range kept {
		base = earliest(base, op.Call, op.Return)
		end = latest(end, op.Call, op.Return)
		clients[op.Client] = 0
	}
	for i, c := range slices.Sorted(maps.Keys(clients)) {
		clients[c] = i
	}
	never := end.Sub(base).Nanoseconds() + 1
	out := make([]porcupine.Operation, 0, len(kept))
	for _, op := range kept {
		call, ret := op.Call.Sub(base).Nanoseconds(), op.Return.Sub(base).Nanoseconds()
		ret = max(ret, call)
		in, outValue := regInput{write: op.Kind == kindRegWrite, value: op.ID}, int64(0)
		switch {
		case !in.write:
			in.value, outValue = 0, *op.Value
		case op.Outcome != history.OK:
			ret = never
		}
		out = append(out, porcupine.Operation{
			ClientId: clients[op.Client], Input: in, Call: call, Output: outValue, Return: ret,
			Metadata: regMeta{key: op.Key, client: op.Client, outcome: op.Outcome},
		})
	}
	return out
}

// earliest returns the earliest of times.
func earliest(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.Before(t) {
			t = u
		}
	}
	return t
}

// latest returns the latest of times.
func latest(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// CheckRegisters checks that the register reads and writes (Kinds "reg-write" and "reg-read")
// of a history are linearizable, each register Key on its own, with porcupine. A register
// starts at 0. Failed writes are dropped (certainly not applied); unknown-outcome writes may
// take effect at any time after their call; reads that were not acknowledged or have no Value
// are dropped. timeout bounds the check (0: none); when it expires the Result is "unknown".
// The returned info feeds VisualizeRegisters.
func CheckRegisters(ops []history.Op, timeout time.Duration) (RegisterVerdict, porcupine.LinearizationInfo) {
	pops := registerOps(ops)
	sizes := map[string]int{}
	for _, op := range pops {
		sizes[op.Metadata.(regMeta).key]++
	}
	keys := slices.Sorted(maps.Keys(sizes))
	res, info := porcupine.CheckOperationsVerbose(registerModel, pops, timeout)
	v := RegisterVerdict{Registers: len(keys), Operations: len(pops)}
	switch res {
	case porcupine.Ok:
		v.Result, v.Linearizable = "ok", true
	case porcupine.Illegal:
		v.Result = "illegal"
		// Partitions come in sorted key order; a bad one has no complete linearization.
		for i, partials := range info.PartialLinearizations() {
			longest := 0
			for _, p := range partials {
				longest = max(longest, len(p))
			}
			if i < len(keys) && longest < sizes[keys[i]] {
				v.BadRegister = keys[i]
				break
			}
		}
	default:
		v.Result = "unknown"
	}
	return v, info
}

// VisualizeRegisters writes porcupine's HTML visualization of a CheckRegisters result to w, for
// inspecting a failing history in a browser. It returns the write error, if any.
func VisualizeRegisters(info porcupine.LinearizationInfo, w io.Writer) error {
	return porcupine.Visualize(registerModel, info, w)
}
