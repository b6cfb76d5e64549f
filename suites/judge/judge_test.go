package judge

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// ops builds a history: one insert per outcome letter (o ok, f fail, u unknown), ids from 1,
// calls 20 ms apart, each taking 5 ms.
func ops(outcomes string) []history.Op {
	var h []history.Op
	for i, c := range outcomes {
		o := map[rune]history.Outcome{'o': history.OK, 'f': history.Fail, 'u': history.Unknown}[c]
		call := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		h = append(h, history.Op{Client: "t", Kind: "insert", ID: int64(i + 1), Call: call, Return: call.Add(5 * time.Millisecond), Outcome: o})
	}
	return h
}

func TestCheckWritesAllPresent(t *testing.T) {
	v := CheckWrites(ops("ooofuo"), []int64{1, 2, 3, 6})
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	if v.Acknowledged != 4 || v.Unknown != 1 || v.Lost != 0 {
		t.Errorf("%+v", v)
	}
}

func TestCheckWritesLostWriteFails(t *testing.T) {
	v := CheckWrites(ops("oooo"), []int64{1, 2, 4})
	if v.Lost != 1 || len(v.LostIDs) != 1 || v.LostIDs[0] != 3 {
		t.Fatalf("%+v: want id 3 lost", v)
	}
	if err := v.Err(); err == nil || !strings.Contains(err.Error(), "1 of 4 acknowledged writes lost") {
		t.Errorf("error %v", err)
	}
}

func TestCheckWritesUnknownIsNotLoss(t *testing.T) {
	for _, readBack := range [][]int64{{1, 3}, {1, 2, 3}} {
		v := CheckWrites(ops("ouo"), readBack)
		if err := v.Err(); err != nil {
			t.Errorf("read-back %v: an unknown-outcome write must not count: %v", readBack, err)
		}
	}
	if v := CheckWrites(ops("ouo"), []int64{1, 2, 3}); v.UnknownPresent != 1 {
		t.Errorf("UnknownPresent %d, want 1", v.UnknownPresent)
	}
}

func TestCheckWritesDuplicatesAndPhantoms(t *testing.T) {
	if v := CheckWrites(ops("oo"), []int64{1, 2, 2}); v.Duplicated != 1 || v.Err() == nil {
		t.Errorf("duplicate not caught: %+v", v)
	}
	// id 2 certainly failed, id 9 was never written: both must not be there.
	if v := CheckWrites(ops("of"), []int64{1, 2, 9}); v.Phantom != 2 || v.Err() == nil {
		t.Errorf("phantoms not caught: %+v", v)
	}
}

func TestPreconditions(t *testing.T) {
	h := ops(strings.Repeat("o", 150))
	if err := Preconditions(h, t0.Add(10*time.Second), 100); err != nil {
		t.Errorf("150 writes before the fault: %v", err)
	}
	err := Preconditions(h, t0.Add(time.Second), 100) // only 50 returned before the fault
	if !errors.Is(err, ErrUnreliable) || !strings.Contains(err.Error(), "50 writes") {
		t.Errorf("too few writes must be an unreliable run, got %v", err)
	}
}

func TestRTO(t *testing.T) {
	h := ops("oooffuffoo") // first bad write: index 3 (call 60 ms); first good after: index 8 (return 165 ms)
	rto, outage, err := RTO(h, t0)
	if err != nil || !outage || rto != 105*time.Millisecond {
		t.Errorf("RTO = %v, %v, %v; want 105ms", rto, outage, err)
	}
	if rto, outage, err := RTO(ops("oooo"), t0); rto != 0 || outage || err != nil {
		t.Errorf("no outage: %v %v %v", rto, outage, err)
	}
	if _, _, err := RTO(ops("ooff"), t0); err == nil {
		t.Error("writes that never recover must be an error")
	}
	// Failures before `from` are not this fault's.
	if _, outage, _ := RTO(ops("fooo"), t0.Add(time.Millisecond)); outage {
		t.Error("a failure before the fault counted")
	}
	// Concurrent clients: a write of another client in flight with the failed one (called after
	// it, before it returned) is no recovery; the first one called after it returned is.
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	concurrent := []history.Op{
		{Client: "a/1", Call: at(100), Return: at(102), Outcome: history.Fail},
		{Client: "a/2", Call: at(101), Return: at(103), Outcome: history.OK},
		{Client: "a/3", Call: at(500), Return: at(510), Outcome: history.OK},
	}
	if rto, _, err := RTO(concurrent, t0); err != nil || rto != 410*time.Millisecond {
		t.Errorf("concurrent RTO = %v, %v; want 410ms (from the failed call to the write called after it returned)", rto, err)
	}
}

func TestCheckReplacedSameIdentity(t *testing.T) {
	before := Identity{PodName: "mysql-0", Hostname: "mysql-0", PVCName: "data-mysql-0", PVUID: "pv1", PodUID: "a", Node: "w1"}
	after := before
	after.PodUID = "b"
	if err := CheckReplacedSameIdentity(before, after); err != nil {
		t.Fatal(err)
	}
	if err := CheckReplacedSameIdentity(before, before); err == nil || !strings.Contains(err.Error(), "pod UID") {
		t.Errorf("same UID must fail (the fault did not replace the pod): %v", err)
	}
	unread := before
	unread.PodUID = ""
	if err := CheckReplacedSameIdentity(unread, after); err == nil || !strings.Contains(err.Error(), "pod UID: want a new one") {
		t.Errorf("an unread pod UID before the fault cannot show a replacement: %v", err)
	}
	swapped := after
	swapped.PVUID = "pv2"
	if err := CheckReplacedSameIdentity(before, swapped); err == nil || !strings.Contains(err.Error(), `PV UID: want "pv1", got "pv2"`) {
		t.Errorf("PV swap: %v", err)
	}
}

func TestCheckSameIdentity(t *testing.T) {
	before := Identity{PodName: "mysql-0", Hostname: "mysql-0", PVCName: "data-mysql-0", PVUID: "pv1", PodUID: "a", Node: "w1"}
	replaced := before
	replaced.PodUID, replaced.Node = "b", "w2"
	cases := []struct {
		name    string
		after   Identity
		wantErr []string // substrings; nil means no error
	}{
		{"same pod stayed", before, nil},
		{"pod replaced on another node", replaced, nil},
		{"hostname changed", Identity{PodName: "mysql-0", Hostname: "mysql-x", PVCName: "data-mysql-0", PVUID: "pv1", PodUID: "a"},
			[]string{`identity of mysql-0 changed: hostname: want "mysql-0", got "mysql-x"`}},
		{"PVC and PV swapped", Identity{PodName: "mysql-0", Hostname: "mysql-0", PVCName: "data-mysql-1", PVUID: "pv2", PodUID: "a"},
			[]string{`PVC name: want "data-mysql-0", got "data-mysql-1"; PV UID: want "pv1", got "pv2"`}},
		{"nothing read back", Identity{}, []string{`pod name: want "mysql-0", got ""`, `PV UID: want "pv1", got ""`}},
	}
	for _, c := range cases {
		err := CheckSameIdentity(before, c.after)
		if c.wantErr == nil {
			if err != nil {
				t.Errorf("%s: want nil, got %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: want an error, got nil", c.name)
			continue
		}
		for _, s := range c.wantErr {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, s)
			}
		}
		if strings.Contains(err.Error(), "pod UID") {
			t.Errorf("%s: CheckSameIdentity must not judge the pod UID: %v", c.name, err)
		}
	}
	// An identity that was never read (empty PV UID on both sides) must not pass.
	empty := before
	empty.PVUID = ""
	if err := CheckSameIdentity(empty, empty); err == nil || !strings.Contains(err.Error(), `PV UID: want "", got ""`) {
		t.Errorf("empty PV UID must fail: %v", err)
	}
}

func TestCheckSeenIdentity(t *testing.T) {
	good := Identity{PodName: "web-1", Hostname: "web-1", ContainerHostname: "web-1", PodIP: "10.244.1.5", DNSAddresses: []string{"10.244.1.5"}}
	if err := CheckSeenIdentity(good); err != nil {
		t.Errorf("good identity: %v", err)
	}
	for name, tc := range map[string]struct {
		change func(*Identity)
		want   string
	}{
		"container sees another hostname": {func(i *Identity) { i.ContainerHostname = "web-2" }, `hostname seen by the container: want "web-1", got "web-2"`},
		"stale DNS record":                {func(i *Identity) { i.DNSAddresses = []string{"10.244.2.9"} }, `DNS record: want exactly the pod IP "10.244.1.5"`},
		"two DNS records":                 {func(i *Identity) { i.DNSAddresses = append(i.DNSAddresses, "10.244.2.9") }, "DNS record"},
		"not measured":                    {func(i *Identity) { i.ContainerHostname, i.DNSAddresses = "", nil }, "hostname seen by the container"},
	} {
		id := good
		id.DNSAddresses = append([]string(nil), good.DNSAddresses...)
		tc.change(&id)
		if err := CheckSeenIdentity(id); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}
}
