package judge

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
)

// ms is t0 plus n milliseconds.
func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// rw is a write of v to register key by client, from t0+call to t0+ret ms.
func rw(client, key string, v int64, call, ret int, o history.Outcome) history.Op {
	return history.Op{Client: client, Kind: "reg-write", ID: v, Key: key, Call: ms(call), Return: ms(ret), Outcome: o}
}

// rr is an acknowledged read of v from register key by client, from t0+call to t0+ret ms.
func rr(client, key string, v int64, call, ret int) history.Op {
	return history.Op{Client: client, Kind: "reg-read", Key: key, Value: &v, Call: ms(call), Return: ms(ret), Outcome: history.OK}
}

const ok, fail, unknown = history.OK, history.Fail, history.Unknown

func TestCheckRegisters(t *testing.T) {
	noAnswer := rr("a", "x", 0, 30, 31)
	noAnswer.Value = nil
	timedOut := rr("a", "x", 7, 32, 33)
	timedOut.Outcome = unknown
	cases := []struct {
		name       string
		ops        []history.Op
		wantResult string
		wantBad    string
		wantRegs   int
		wantOps    int
		wantErr    []string
	}{
		{
			name:       "single client, sequential",
			ops:        []history.Op{rr("a", "x", 0, 0, 1), rw("a", "x", 1, 2, 3, ok), rr("a", "x", 1, 4, 5), rw("a", "x", 2, 6, 7, ok), rr("a", "x", 2, 8, 9)},
			wantResult: "ok", wantRegs: 1, wantOps: 5,
		},
		{
			name: "two clients, overlapping",
			ops: []history.Op{
				rw("a", "x", 1, 0, 10, ok), rr("b", "x", 0, 1, 3), rr("b", "x", 1, 5, 8),
				rw("b", "x", 2, 9, 20, ok), rr("a", "x", 1, 11, 12), rr("a", "x", 2, 15, 16), rr("b", "x", 2, 21, 22),
			},
			wantResult: "ok", wantRegs: 1, wantOps: 7,
		},
		{
			name:       "lost acknowledged write: a later read returns the previous value",
			ops:        []history.Op{rw("a", "x", 1, 0, 1, ok), rw("a", "x", 2, 2, 3, ok), rr("b", "x", 1, 4, 5)},
			wantResult: "illegal", wantBad: "x", wantRegs: 1, wantOps: 3,
			wantErr: []string{`register "x" is not linearizable`, "kept in the artifacts", "re-check the saved history offline"},
		},
		{
			name:       "unknown-outcome write whose effect appears later",
			ops:        []history.Op{rw("a", "x", 1, 0, 1, ok), rw("a", "x", 2, 2, 3, unknown), rr("b", "x", 1, 4, 5), rr("b", "x", 2, 6, 7), rr("a", "x", 2, 8, 9)},
			wantResult: "ok", wantRegs: 1, wantOps: 5,
		},
		{
			name:       "unknown-outcome write whose effect never appears",
			ops:        []history.Op{rw("a", "x", 1, 0, 1, ok), rw("a", "x", 2, 2, 3, unknown), rr("b", "x", 1, 4, 5), rr("b", "x", 1, 6, 7)},
			wantResult: "ok", wantRegs: 1, wantOps: 4,
		},
		{
			name:       "unknown-outcome write read before its call",
			ops:        []history.Op{rw("a", "x", 1, 0, 1, ok), rr("b", "x", 2, 2, 3), rw("a", "x", 2, 4, 5, unknown)},
			wantResult: "illegal", wantBad: "x", wantRegs: 1, wantOps: 3,
			wantErr: []string{`register "x"`},
		},
		{
			name:       "failed write whose value is read",
			ops:        []history.Op{rw("a", "x", 1, 0, 1, ok), rw("a", "x", 2, 2, 3, fail), rr("b", "x", 2, 4, 5)},
			wantResult: "illegal", wantBad: "x", wantRegs: 1, wantOps: 2,
			wantErr: []string{`register "x"`},
		},
		{
			name:       "reads without an acknowledged value are ignored",
			ops:        []history.Op{rw("a", "x", 1, 0, 1, ok), noAnswer, timedOut, rr("a", "x", 1, 40, 41)},
			wantResult: "ok", wantRegs: 1, wantOps: 2,
		},
		{
			name: "several registers, only one bad",
			ops: []history.Op{
				rw("a", "z", 1, 0, 1, ok), rw("a", "y", 1, 0, 1, ok), rw("a", "x", 1, 0, 1, ok),
				rw("a", "y", 2, 2, 3, ok), rw("b", "x", 2, 2, 3, ok),
				rr("b", "x", 2, 4, 5), rr("b", "y", 1, 4, 5), rr("b", "z", 1, 4, 5),
			},
			wantResult: "illegal", wantBad: "y", wantRegs: 3, wantOps: 8,
			wantErr: []string{`register "y"`, "3 registers, 8 operations"},
		},
		{
			name: "other kinds are not register operations",
			ops: []history.Op{
				{Client: "a", Kind: "set", ID: 9, Key: "k9", Call: ms(0), Return: ms(1), Outcome: ok},
				{Client: "a", Kind: "rpush", ID: 9, Key: "x", Call: ms(0), Return: ms(1), Outcome: ok},
				rr("a", "x", 0, 2, 3),
			},
			wantResult: "ok", wantRegs: 1, wantOps: 1,
		},
		{name: "empty history", wantResult: "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _ := CheckRegisters(c.ops, 10*time.Second)
			want := RegisterVerdict{Registers: c.wantRegs, Operations: c.wantOps, Linearizable: c.wantResult == "ok", Result: c.wantResult, BadRegister: c.wantBad}
			if v != want {
				t.Errorf("verdict %+v, want %+v", v, want)
			}
			expectErr(t, v.Err(), c.wantErr)
		})
	}
}

func TestRegisterVerdictErrUnknown(t *testing.T) {
	v := RegisterVerdict{Registers: 4, Operations: 1000, Result: "unknown"}
	expectErr(t, v.Err(), []string{"could not decide", "4 registers (1000 operations)", "re-check the saved history offline"})
}

func TestVisualizeRegisters(t *testing.T) {
	_, info := CheckRegisters([]history.Op{rw("a", "x", 1, 0, 1, ok), rw("a", "x", 2, 2, 3, ok), rr("b", "x", 1, 4, 5)}, 0)
	var out bytes.Buffer
	if err := VisualizeRegisters(info, &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<html", "write 2", "register x, client b, outcome ok"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("visualization lacks %q", s)
		}
	}
}

func TestOnlyKinds(t *testing.T) {
	h := []history.Op{{Kind: "set", ID: 1}, {Kind: "reg-write", ID: 2}, {Kind: "rpush", ID: 3}, {Kind: "reg-read", ID: 4}, {Kind: "set", ID: 5}}
	ids := func(ops []history.Op) []int64 {
		var out []int64
		for _, op := range ops {
			out = append(out, op.ID)
		}
		return out
	}
	cases := []struct {
		kinds []string
		want  []int64
	}{
		{[]string{"set", "rpush"}, []int64{1, 3, 5}},
		{[]string{"reg-read", "reg-write"}, []int64{2, 4}},
		{[]string{"insert"}, nil},
		{nil, nil},
	}
	for _, c := range cases {
		if got := ids(OnlyKinds(h, c.kinds...)); !slices.Equal(got, c.want) {
			t.Errorf("OnlyKinds(%v) = %v, want %v", c.kinds, got, c.want)
		}
	}
}

func TestCheckWritesIgnoresRegisterWrites(t *testing.T) {
	h := []history.Op{
		{Client: "a", Kind: "set", ID: 1, Key: "k1", Outcome: ok},
		{Client: "a", Kind: "rpush", ID: 2, Key: "list", Outcome: ok},
		rw("a", "r0", 3, 0, 1, ok), rr("a", "r0", 3, 2, 3),
	}
	readBack := []int64{1, 2}
	if v := CheckWrites(h, readBack); v.Lost == 0 {
		t.Fatalf("unfiltered history should count the register write as lost: %+v", v)
	}
	v := CheckWrites(OnlyKinds(h, "set", "rpush"), readBack)
	if err := v.Err(); err != nil || v.Acknowledged != 2 {
		t.Errorf("%+v: %v", v, err)
	}
}

func TestRPO(t *testing.T) {
	// ops(...) writes ids 1… with calls 20 ms apart, returns 5 ms after each call.
	withKind := func(h []history.Op, kind string) []history.Op {
		for i := range h {
			h[i].Kind = kind
		}
		return h
	}
	cases := []struct {
		name     string
		ops      []history.Op
		readBack []int64
		fault    time.Time
		want     time.Duration
		wantErr  []string
	}{
		{"no loss", ops("oooooo"), []int64{1, 2, 3, 4, 5, 6}, ms(200), 0, nil},
		{"last 3 writes lost", ops("oooooo"), []int64{1, 2, 3}, ms(200), 60 * time.Millisecond, nil},
		{"redis kinds count too", withKind(ops("oooooo"), "rpush"), []int64{1, 2, 3}, ms(200), 60 * time.Millisecond, nil},
		{"duplicated ids in the read-back", ops("oooooo"), []int64{1, 1, 2, 3, 3}, ms(200), 60 * time.Millisecond, nil},
		{"unknown and failed writes, present or not", ops("oooooouufu"), []int64{1, 2, 3, 7, 9, 10}, ms(300), 60 * time.Millisecond, nil},
		{"unknown retry of a surviving id", append(ops("oooooo"), history.Op{Kind: "insert", ID: 3, Call: ms(150), Return: ms(160), Outcome: unknown}), []int64{1, 2, 3}, ms(200), 60 * time.Millisecond, nil},
		{"register writes filtered out by OnlyKinds", OnlyKinds(append(ops("oooooo"), rw("a", "r", 99, 150, 160, ok)), "insert"), []int64{1, 2, 3}, ms(200), 60 * time.Millisecond, nil},
		// ids 1-6 returned by 105 ms; 7-10 after the fault and lost: reported by CheckWrites, not here.
		{"writes after the fault do not count", ops("oooooooooo"), []int64{1, 2, 3, 4, 5, 6}, ms(110), 0, nil},
		{"write returning exactly at the fault does not count", ops("oooooo"), []int64{1, 2, 3, 4, 5}, ms(105), 0, nil},
		{"nothing survived: fault start minus first call", ops("oooooo"), []int64{7}, ms(200), 200 * time.Millisecond, nil},
		{"nothing acknowledged before the fault", ops("fuoo"), []int64{3, 4}, ms(40), 0, []string{"cannot measure RPO", "no write was acknowledged before the fault at " + ms(40).Format(time.RFC3339Nano)}},
		{"empty history", nil, nil, ms(40), 0, []string{"cannot measure RPO"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := RPO(c.ops, c.readBack, c.fault)
			expectErr(t, err, c.wantErr)
			if got != c.want {
				t.Errorf("RPO %s, want %s", got, c.want)
			}
		})
	}
}

func TestTolerate(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := func(id int64, s int) history.Op {
		return history.Op{Kind: "set", ID: id, Call: t0.Add(time.Duration(s) * time.Second), Return: t0.Add(time.Duration(s)*time.Second + time.Millisecond), Outcome: history.OK}
	}
	ops := []history.Op{at(1, 0), at(2, 8), at(3, 9), at(4, 11)}
	fault := t0.Add(10 * time.Second)
	// ids 2 and 3 are lost, inside the 2 s window before the fault: tolerated.
	if v := CheckWrites(Tolerate(ops, fault.Add(-2*time.Second), fault), []int64{1, 4}); v.Err() != nil || v.Unknown != 2 {
		t.Errorf("lost inside the window: %+v, %v", v, v.Err())
	}
	// id 1 lost, outside the window: still a loss.
	if v := CheckWrites(Tolerate(ops, fault.Add(-2*time.Second), fault), []int64{2, 3, 4}); v.Lost != 1 {
		t.Errorf("lost outside the window: %+v", v)
	}
	if ops[1].Outcome != history.OK {
		t.Error("Tolerate changed its input")
	}
}
