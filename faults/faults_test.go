package faults

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestInjectionRecordRoundTrip(t *testing.T) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	in := Injection{
		Fault: "node-drain", Target: "ns/mysql-0", Start: start, End: start.Add(12 * time.Second),
		Observed: map[string]string{"node": "stateproof-worker"},
		Evictions: []Eviction{
			{Pod: "ns/mysql-0", At: start.Add(time.Second), Code: 201},
			{Pod: "ns/mysql-1", At: start.Add(2 * time.Second), Code: 429},
		},
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"fault":"node-drain"`, `"target":"ns/mysql-0"`, `"evictions":[`, `"code":429`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("record %s lacks %s", data, key)
		}
	}
	var out Injection
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip changed the record:\n in %+v\nout %+v", in, out)
	}
	// A fault that is not a drain records no evictions key at all.
	data, _ = json.Marshal(Injection{Fault: "pod-delete"})
	if strings.Contains(string(data), "evictions") {
		t.Errorf("pod-delete record has an evictions key: %s", data)
	}
}

func TestEvictionAnswers(t *testing.T) {
	for _, tc := range []struct {
		code              int
		accepted, refused bool
	}{
		{201, true, false}, {200, true, false}, {429, false, true}, {404, false, false}, {500, false, false}, {0, false, false},
	} {
		e := Eviction{Code: tc.code}
		if e.Accepted() != tc.accepted || e.Refused() != tc.refused {
			t.Errorf("code %d: Accepted %v Refused %v, want %v %v", tc.code, e.Accepted(), e.Refused(), tc.accepted, tc.refused)
		}
	}
}

func TestNotApplicableError(t *testing.T) {
	var err error = &NotApplicableError{Fault: "node-failure-kill", Reason: "volume is node-bound to w1"}
	var na *NotApplicableError
	if !errors.As(err, &na) || err.Error() != "node-failure-kill: not applicable: volume is node-bound to w1" {
		t.Errorf("got %v", err)
	}
}

func TestRegisterRefusesAnInvalidKind(t *testing.T) {
	ok := Path{Text: "when x", Check: "data-pod-delete", Timeout: time.Minute, New: func(Deps) Fault { return nil }}
	for name, k := range map[string]Kind{
		"no name":       {Summary: "s", Paths: []Path{ok}},
		"comma in name": {Name: "a,b", Summary: "s", Paths: []Path{ok}},
		"no summary":    {Name: "x-fault", Paths: []Path{ok}},
		"no path":       {Name: "x-fault", Summary: "s"},
		"unknown check": {Name: "x-fault", Summary: "s", Paths: []Path{{Text: "when x", Check: "data-nowhere", Timeout: time.Minute, New: ok.New}}},
		"no New":        {Name: "x-fault", Summary: "s", Paths: []Path{{Text: "when x", Check: "data-pod-delete", Timeout: time.Minute}}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%+v) did not panic", k)
				}
			}()
			Register(k)
		})
	}
	Register(Kind{Name: "x-fault", Summary: "s", Paths: []Path{ok}})
	defer Unregister("x-fault")
	if _, found := Lookup("x-fault"); !found {
		t.Fatal("a valid kind was not registered")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a second registration of x-fault did not panic")
			}
		}()
		Register(Kind{Name: "x-fault", Summary: "s", Paths: []Path{ok}})
	}()
}
