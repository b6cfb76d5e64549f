package judge

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// web is the name of pod ordinal of StatefulSet "web".
func web(ordinal int) string { return "web-" + strconv.Itoa(ordinal) }

// webReady is a watch's initial list: web-0 … web-(n-1), all Ready, at t0.
func webReady(n int) []PodEvent {
	var es []PodEvent
	for i := range n {
		es = append(es, ev(0, web(i), "ready"))
	}
	return es
}

// scaledUp is an OrderedReady scale-up from `from` to `to` pods from t0+s: each pod appears not
// Ready, is Ready 5 s later, and the next one appears 5 s after that.
func scaledUp(from, to, s int) []PodEvent {
	var es []PodEvent
	for j := from; j < to; j++ {
		es = append(es, ev(s, web(j), "notready"), ev(s+5, web(j), "ready"))
		s += 10
	}
	return es
}

// scaledDown is an OrderedReady scale-down from `from` to `to` pods from t0+s: the highest pod
// terminates, goes unready and is deleted before the next one starts terminating.
func scaledDown(from, to, s int) []PodEvent {
	var es []PodEvent
	for j := from - 1; j >= to; j-- {
		es = append(es, ev(s, web(j), "term"), ev(s+1, web(j), "termdown"), ev(s+2, web(j), "deleted"))
		s += 10
	}
	return es
}

// orderCase is one CheckOrderedCreation or CheckOrderedDeletion case.
type orderCase struct {
	name    string
	events  []PodEvent
	initial int
	// judged is the wanted Created (creation) or Terminated (deletion) count.
	judged int
	want   []OrderViolation
	// wantErr lists substrings of Err(); nil means Err() must be nil.
	wantErr []string
}

// checkOrder runs check on each case and compares the verdict with it.
func checkOrder(t *testing.T, rule string, check func([]PodEvent, string, int) OrderVerdict, cases []orderCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const sts = "web"
			v := check(c.events, sts, c.initial)
			if v.Rule != rule || v.StatefulSet != sts || v.Events != len(c.events) || v.Initial != c.initial {
				t.Errorf("verdict %+v does not echo rule %q, %q, %d events, initial %d", v, rule, sts, len(c.events), c.initial)
			}
			judged, other := v.Created, v.Terminated
			if rule == RuleOrderedDeletion {
				judged, other = v.Terminated, v.Created
			}
			if judged != c.judged || other != 0 {
				t.Errorf("Created %d, Terminated %d; want %d judged by %s and 0 of the other", v.Created, v.Terminated, c.judged, rule)
			}
			if !slices.EqualFunc(v.Violations, c.want, func(a, b OrderViolation) bool {
				return a.At.Equal(b.At) && a.Pod == b.Pod && a.Problem == b.Problem
			}) {
				t.Errorf("violations:\n got %+v\nwant %+v", v.Violations, c.want)
			}
			expectErr(t, v.Err(), c.wantErr)
		})
	}
}

func TestCheckOrderedCreation(t *testing.T) {
	// web-2 comes up, is deleted by a fault before web-3 is created, and is re-created at t0+18.
	web2Lost := slices.Concat(webReady(2), []PodEvent{
		ev(10, web(2), "notready"), ev(15, web(2), "ready"), ev(16, web(2), "term"), ev(17, web(2), "deleted"), ev(18, web(2), "notready"),
	})
	checkOrder(t, RuleOrderedCreation, CheckOrderedCreation, []orderCase{
		{
			name:   "OrderedReady scale-up 1 to 5",
			events: append(webReady(1), scaledUp(1, 5, 10)...), initial: 1,
			judged: 4,
		},
		{
			name: "Parallel-like scale-up: web-1..web-4 appear at once",
			events: append(webReady(1),
				ev(10, web(1), "notready"), ev(10, web(2), "notready"), ev(10, web(3), "notready"), ev(10, web(4), "notready"),
				ev(15, web(1), "ready"), ev(16, web(2), "ready"), ev(17, web(3), "ready"), ev(18, web(4), "ready")),
			initial: 1,
			judged:  4,
			want: []OrderViolation{
				{At: at(10), Pod: "web-2", Problem: "predecessors not Ready: web-1 not Ready"},
				{At: at(10), Pod: "web-3", Problem: "predecessors not Ready: web-1 not Ready, web-2 not Ready"},
				{At: at(10), Pod: "web-4", Problem: "predecessors not Ready: web-1 not Ready, web-2 not Ready, web-3 not Ready"},
			},
			wantErr: []string{"OrderedReady creation of web violated: web-2 at " + at(10).Format(time.RFC3339Nano),
				"web-1 not Ready", "3 violations in 4 creations judged"},
		},
		{
			name:    "fault: web-3 created before the re-created web-2 is Ready",
			events:  append(web2Lost, ev(19, web(3), "notready"), ev(25, web(2), "ready")),
			initial: 2,
			judged:  3, // web-2, web-2 again, web-3
			want:    []OrderViolation{{At: at(19), Pod: "web-3", Problem: "predecessors not Ready: web-2 not Ready"}},
			wantErr: []string{"web-3 at " + at(19).Format(time.RFC3339Nano), "web-2 not Ready", "1 violations in 3 creations judged"},
		},
		{
			name:    "fault: web-2 re-created and Ready before web-3",
			events:  append(web2Lost, ev(25, web(2), "ready"), ev(26, web(3), "notready"), ev(30, web(3), "ready")),
			initial: 2,
			judged:  3,
		},
		{
			name: "fault: web-3 created while web-2 is deleted",
			events: slices.Concat(webReady(2), []PodEvent{
				ev(10, web(2), "notready"), ev(15, web(2), "ready"), ev(16, web(2), "deleted"), ev(17, web(3), "notready"), ev(18, web(2), "notready"),
			}),
			initial: 2,
			judged:  3,
			want:    []OrderViolation{{At: at(17), Pod: "web-3", Problem: "predecessors not Ready: web-2 missing"}},
			wantErr: []string{"web-2 missing"},
		},
		{
			name:    "web-3 created while web-2 is terminating but still Ready",
			events:  append(webReady(3), ev(10, web(2), "term"), ev(11, web(3), "notready")),
			initial: 3,
			judged:  1,
			want:    []OrderViolation{{At: at(11), Pod: "web-3", Problem: "predecessors not Ready: web-2 terminating"}},
			wantErr: []string{"web-2 terminating"},
		},
		{
			name:    "re-created web-0 has no predecessors",
			events:  append(webReady(2), ev(10, web(0), "deleted"), ev(11, web(0), "notready"), ev(15, web(0), "ready")),
			initial: 2,
			judged:  1,
		},
		{
			name:   "missing predecessors are listed as ranges, in ordinal order",
			events: []PodEvent{ev(1, web(0), "notready"), ev(2, web(4), "notready"), ev(3, web(6), "notready")},
			judged: 3,
			want: []OrderViolation{
				{At: at(2), Pod: "web-4", Problem: "predecessors not Ready: web-0 not Ready, web-1..web-3 missing"},
				{At: at(3), Pod: "web-6", Problem: "predecessors not Ready: web-0 not Ready, web-1..web-3 missing, web-4 not Ready, web-5 missing"},
			},
			wantErr: []string{"web-4 at", "web-1..web-3 missing", "2 violations in 3 creations judged"},
		},
		{
			// Sorted by At, web-2 (t0+15) would appear before web-1 is Ready (t0+20).
			name:    "replayed in watch order, not by At",
			events:  append(webReady(1), ev(10, web(1), "notready"), ev(20, web(1), "ready"), ev(15, web(2), "notready")),
			initial: 1,
			judged:  2,
		},
		{
			name:    "unready pods in the initial list are not judged",
			events:  []PodEvent{ev(0, web(0), "ready"), ev(0, web(1), "notready"), ev(0, web(2), "notready"), ev(10, web(1), "ready"), ev(11, web(2), "ready"), ev(12, web(3), "notready")},
			initial: 3,
			judged:  1,
		},
		{
			name: "other StatefulSets' pods are ignored",
			events: append(webReady(1),
				ev(10, web(1), "notready"), ev(15, web(1), "ready"),
				ev(16, "web-01", "notready"), ev(16, "web-1-0", "notready"), ev(16, "webx-1", "deleted"), ev(16, "web-abc", "notready"),
				ev(17, web(2), "notready")),
			initial: 1,
			judged:  2,
		},
		{
			name:    "a Deleted event is not an appearance",
			events:  append(webReady(2), ev(10, web(5), "deleted")),
			initial: 2,
			wantErr: []string{"saw no creation of web-N pods after the initial 2 of 3 events; cannot judge"},
		},
		{
			name:    "no events",
			wantErr: []string{"OrderedReady creation of web: the watch saw no creation of web-N pods after the initial 0 of 0 events; cannot judge"},
		},
		{
			name:    "initial list only",
			events:  webReady(3),
			initial: 3,
			wantErr: []string{"after the initial 3 of 3 events; cannot judge"},
		},
		{
			name:    "scale-down only",
			events:  append(webReady(3), scaledDown(3, 1, 10)...),
			initial: 3,
			wantErr: []string{"saw no creation", "cannot judge"},
		},
		{
			name:    "negative initial",
			events:  append(webReady(1), scaledUp(1, 3, 10)...),
			initial: -1,
			wantErr: []string{"invalid input: initial: want 0..5 (the number of events), got -1"},
		},
		{
			name:    "initial beyond the events",
			events:  webReady(2),
			initial: 3,
			wantErr: []string{"initial: want 0..2 (the number of events), got 3"},
		},
	})
}

func TestCheckOrderedDeletion(t *testing.T) {
	checkOrder(t, RuleOrderedDeletion, CheckOrderedDeletion, []orderCase{
		{
			name:   "OrderedReady scale-down 5 to 1, in reverse order, one at a time",
			events: append(webReady(5), scaledDown(5, 1, 10)...), initial: 5,
			judged: 4,
		},
		{
			name:    "web-2 terminated while web-4 still exists",
			events:  append(webReady(5), ev(10, web(4), "term"), ev(11, web(2), "term"), ev(12, web(4), "deleted"), ev(13, web(2), "deleted")),
			initial: 5,
			judged:  2,
			want:    []OrderViolation{{At: at(11), Pod: "web-2", Problem: "successors still exist: web-3 Ready, web-4 terminating"}},
			wantErr: []string{"OrderedReady deletion of web violated: web-2 at " + at(11).Format(time.RFC3339Nano),
				"web-4 terminating", "1 violations in 2 terminations judged"},
		},
		{
			name:    "deleted without a Terminating event while a successor exists",
			events:  append(webReady(3), ev(10, web(1), "deleted")),
			initial: 3,
			judged:  1,
			want:    []OrderViolation{{At: at(10), Pod: "web-1", Problem: "successors still exist: web-2 Ready"}},
			wantErr: []string{"web-1 at", "web-2 Ready"},
		},
		{
			name:    "a successor that is not Ready still exists",
			events:  append(webReady(3), ev(10, web(2), "notready"), ev(11, web(1), "term")),
			initial: 3,
			judged:  1,
			want:    []OrderViolation{{At: at(11), Pod: "web-1", Problem: "successors still exist: web-2 not Ready"}},
			wantErr: []string{"web-2 not Ready"},
		},
		{
			name:    "terminating in the initial list: not judged, but still a successor",
			events:  []PodEvent{ev(0, web(0), "ready"), ev(0, web(1), "ready"), ev(0, web(2), "term"), ev(10, web(1), "term")},
			initial: 3,
			judged:  1,
			want:    []OrderViolation{{At: at(10), Pod: "web-1", Problem: "successors still exist: web-2 terminating"}},
			wantErr: []string{"web-2 terminating"},
		},
		{
			name:    "terminating in the initial list, deleted before the next",
			events:  []PodEvent{ev(0, web(0), "ready"), ev(0, web(1), "ready"), ev(0, web(2), "term"), ev(10, web(2), "deleted"), ev(11, web(1), "term")},
			initial: 3,
			judged:  1,
		},
		{
			name: "a re-created pod terminates again",
			events: append(webReady(2), ev(10, web(1), "term"), ev(11, web(1), "deleted"), ev(12, web(1), "notready"),
				ev(15, web(1), "ready"), ev(20, web(1), "term"), ev(21, web(1), "termdown"), ev(22, web(1), "deleted")),
			initial: 2,
			judged:  2,
		},
		{
			// Sorted by At, web-1 (t0+15) would start terminating before web-2 is gone (t0+20).
			name:    "replayed in watch order, not by At",
			events:  append(webReady(3), ev(10, web(2), "term"), ev(20, web(2), "deleted"), ev(15, web(1), "term")),
			initial: 3,
			judged:  2,
		},
		{
			name:    "other StatefulSets' pods are not successors",
			events:  append(webReady(2), ev(0, "web-1-0", "ready"), ev(0, "webx-5", "ready"), ev(0, "web-02", "ready"), ev(10, web(1), "term")),
			initial: 5,
			judged:  1,
		},
		{
			name:    "initial list only",
			events:  webReady(5),
			initial: 5,
			wantErr: []string{"OrderedReady deletion of web: the watch saw no termination of web-N pods after the initial 5 of 5 events; cannot judge"},
		},
		{
			name:    "scale-up only",
			events:  append(webReady(1), scaledUp(1, 3, 10)...),
			initial: 1,
			wantErr: []string{"saw no termination", "cannot judge"},
		},
	})
}

func TestOrderVerdictErrInvalid(t *testing.T) {
	cases := []struct {
		name    string
		v       OrderVerdict
		wantErr string
	}{
		{"unknown rule", OrderVerdict{StatefulSet: "web", Created: 1},
			`pod ordering: rule: want "OrderedReady creation", "OrderedReady deletion" or "RollingUpdate", got ""`},
		{"empty StatefulSet name", CheckOrderedCreation(append(webReady(1), ev(10, web(1), "notready")), "", 1),
			`OrderedReady creation: invalid input: statefulSet: want a name, got ""`},
		{"empty name and bad initial", CheckOrderedDeletion(nil, "", 2),
			`statefulSet: want a name, got ""; initial: want 0..0 (the number of events), got 2`},
	}
	for _, c := range cases {
		if err := c.v.Err(); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: want an error containing %q, got %v", c.name, c.wantErr, err)
		}
	}
}

func TestOrdinal(t *testing.T) {
	cases := []struct {
		sts, pod string
		want     int
		wantOK   bool
	}{
		{"web", "web-0", 0, true},
		{"web", "web-1", 1, true},
		{"web", "web-10", 10, true},
		{"web", "web-2147483647", 2147483647, true},
		{"web-1", "web-1-0", 0, true},
		{"web", "web-1-0", 0, false}, // pod 0 of StatefulSet web-1
		{"web", "web-abc", 0, false},
		{"web", "webx-1", 0, false},
		{"web", "web-", 0, false},
		{"web", "web--1", 0, false},
		{"web", "web-+1", 0, false},
		{"web", "web-01", 0, false},
		{"web", "web-00", 0, false},
		{"web", "web-1a", 0, false},
		{"web", "web-1 ", 0, false},
		{"web", "web-2147483648", 0, false}, // beyond the controller's 32-bit ordinals
		{"web", "web-99999999999999999999", 0, false},
		{"web", "web", 0, false},
		{"web", "db-0", 0, false},
		{"web", "xweb-0", 0, false},
		{"", "-0", 0, false},
	}
	for _, c := range cases {
		got, ok := Ordinal(c.sts, c.pod)
		if got != c.want || ok != c.wantOK {
			t.Errorf("Ordinal(%q, %q) = %d, %v; want %d, %v", c.sts, c.pod, got, ok, c.want, c.wantOK)
		}
	}
}
