package judge

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
)

// atS is s seconds after the Unix epoch.
func atS(s float64) time.Time { return time.Unix(0, 0).Add(time.Duration(s * float64(time.Second))) }

// Overlap counts, for each operation, the others in flight with it; a sequential history has
// none.
func TestOverlap(t *testing.T) {
	op := func(client string, call, ret float64) history.Op {
		return history.Op{Client: client, Call: atS(call), Return: atS(ret), Outcome: history.OK}
	}
	sequential := []history.Op{op("a", 0, 1), op("a", 1.5, 2), op("a", 3, 4)}
	if got := Overlap(sequential); got != 0 {
		t.Errorf("sequential: %v, want 0", got)
	}
	// a overlaps b and c; b overlaps a and c; c overlaps both; d none.
	concurrent := []history.Op{op("a", 0, 2), op("b", 1, 3), op("c", 1.5, 1.6), op("d", 5, 6)}
	if got := Overlap(concurrent); got != 1.5 {
		t.Errorf("concurrent: %v, want (2+2+2+0)/4 = 1.5", got)
	}
	if Clients(concurrent) != 4 || Clients(sequential) != 1 || Overlap(nil) != 0 {
		t.Error("Clients or the empty overlap")
	}
	// Touching intervals overlap; a return recorded before its call counts as the call.
	if got := Overlap([]history.Op{op("a", 0, 1), op("b", 1, 2), op("c", 3, 2.5)}); got != 2.0/3 {
		t.Errorf("touching and reversed: %v, want (1+1+0)/3", got)
	}
}

// Overlap agrees with counting every pair, on random histories with ties.
func TestOverlapAgreesWithPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		ops := make([]history.Op, r.IntN(30))
		for i := range ops {
			call := float64(r.IntN(20))
			ops[i] = history.Op{Call: atS(call), Return: atS(call + float64(r.IntN(5)-1))}
		}
		pairs := 0
		for i, a := range ops {
			for j, b := range ops {
				aEnd, bEnd := latest(a.Return, a.Call), latest(b.Return, b.Call)
				if i != j && !a.Call.After(bEnd) && !b.Call.After(aEnd) {
					pairs++
				}
			}
		}
		want := 0.0
		if len(ops) > 0 {
			want = float64(pairs) / float64(len(ops))
		}
		if got := Overlap(ops); got != want {
			t.Fatalf("Overlap %v, counting pairs %v, of %+v", got, want, ops)
		}
	}
}

// RegisterOverlap counts per register what porcupine checks: a failed write and an
// unacknowledged read are left out; an unknown-outcome write is in flight to the end.
func TestRegisterOverlap(t *testing.T) {
	v := int64(0)
	reg := func(kind, key string, outcome history.Outcome, call, ret float64) history.Op {
		op := history.Op{Kind: kind, Key: key, Client: "c", Outcome: outcome, Call: atS(call), Return: atS(ret), ID: 1}
		if kind == kindRegRead && outcome == history.OK {
			op.Value = &v
		}
		return op
	}
	ops := []history.Op{
		reg(kindRegWrite, "r:0", history.OK, 0, 1),
		reg(kindRegRead, "r:0", history.OK, 0.5, 1.5),           // overlaps the write
		reg(kindRegWrite, "r:0", history.Fail, 0, 2),            // left out
		reg(kindRegRead, "r:0", history.Unknown, 0, 2),          // left out
		reg(kindRegWrite, "r:1", history.OK, 0.5, 1.5),          // another register
		reg(kindRegWrite, "r:1", history.Unknown, 0, 0.1),       // in flight to the end: overlaps the next
		reg(kindRegRead, "r:1", history.OK, 5, 6),               // overlaps the unknown write only
		{Kind: "set", Key: "k:1", Call: atS(0), Return: atS(9)}, // not a register
	}
	// r:0: 1, 1; r:1: the OK write overlaps the unknown one (1), the unknown both (2), the read 1.
	if got, want := RegisterOverlap(ops), (1.0+1+1+2+1)/5; got != want {
		t.Errorf("register overlap %v, want %v", got, want)
	}
	if RegisterOverlap(nil) != 0 {
		t.Error("no register operation: want 0")
	}
}
