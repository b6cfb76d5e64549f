package judge

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stateproof/stateproof/faults"
)

// at is t0 plus s seconds.
func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// ev is one watch event at t0+s for pod in state: "ready", "notready", "term" (terminating,
// still Ready), "termdown" (terminating, not Ready) or "deleted".
func ev(s int, pod, state string) PodEvent {
	e := PodEvent{At: at(s), Pod: pod, Node: "w1"}
	switch state {
	case "ready":
		e.Ready = true
	case "notready":
	case "term":
		e.Ready, e.Terminating = true, true
	case "termdown":
		e.Terminating = true
	case "deleted":
		e.Terminating, e.Deleted = true, true
	default:
		panic("ev: unknown state " + state)
	}
	return e
}

// initial is the watch's initial list: pods pod-0 … pod-(n-1), all Ready, at t0.
func initial(n int) []PodEvent {
	var es []PodEvent
	for i := range n {
		es = append(es, ev(0, "pod-"+string(rune('0'+i)), "ready"))
	}
	return es
}

// drained is the events of one pod evicted and recreated under the same name, from t0+s.
func drained(s int, pod string) []PodEvent {
	return []PodEvent{ev(s, pod, "term"), ev(s+1, pod, "termdown"), ev(s+2, pod, "deleted"), ev(s+3, pod, "notready"), ev(s+8, pod, "ready")}
}

func TestCheckDisruptionBudget(t *testing.T) {
	cases := []struct {
		name                     string
		events                   []PodEvent
		replicas, maxUnavailable int
		wantMost, wantViolations int
		// wantErr lists substrings of Err(); nil means Err() must be nil.
		wantErr []string
	}{
		{
			name:     "healthy drain, one pod at a time",
			events:   slices.Concat(initial(3), drained(10, "pod-0"), drained(20, "pod-1")),
			replicas: 3, maxUnavailable: 1,
			wantMost: 1,
		},
		{
			name: "pod-1 terminated while pod-0 is not Ready yet",
			events: slices.Concat(initial(3), drained(10, "pod-0")[:4],
				[]PodEvent{ev(14, "pod-1", "term"), ev(15, "pod-1", "deleted"), ev(18, "pod-0", "ready"), ev(19, "pod-1", "notready"), ev(24, "pod-1", "ready")}),
			replicas: 3, maxUnavailable: 1,
			wantMost: 2, wantViolations: 2, // after pod-1 term and after pod-1 deleted
			wantErr: []string{"violated at " + at(14).Format(time.RFC3339Nano), "2 > 1", "pod-0, pod-1", "2 violations in total"},
		},
		{
			name:     "terminating but still Ready counts as unavailable",
			events:   append(initial(3), ev(10, "pod-2", "term")),
			replicas: 3, maxUnavailable: 0,
			wantMost: 1, wantViolations: 1,
			wantErr: []string{"1 > 0", "pods: pod-2;"},
		},
		{
			name:     "terminating but still Ready, within budget",
			events:   append(initial(3), ev(10, "pod-2", "term")),
			replicas: 3, maxUnavailable: 1,
			wantMost: 1,
		},
		{
			name:     "unready pod in the initial list is judged",
			events:   []PodEvent{ev(0, "pod-0", "ready"), ev(0, "pod-1", "notready"), ev(0, "pod-2", "notready")},
			replicas: 3, maxUnavailable: 1,
			wantMost: 2, wantViolations: 1,
			wantErr: []string{"2 > 1", "pod-1, pod-2"},
		},
		{
			// In watch order pod-0 is Ready again before pod-1 goes; sorted by At (pod-1's
			// clock is behind) both would be down at once.
			name:     "replayed in watch order, not by At",
			events:   append(initial(3), ev(10, "pod-0", "notready"), ev(11, "pod-0", "ready"), ev(5, "pod-1", "notready")),
			replicas: 3, maxUnavailable: 1,
			wantMost: 1,
		},
		{
			name:     "surge pod beyond replicas: healthy pods above replicas are not negative unavailability",
			events:   append(initial(2), ev(1, "pod-x", "notready"), ev(2, "pod-x", "ready"), ev(3, "pod-0", "deleted")),
			replicas: 2, maxUnavailable: 0,
			wantMost: 0,
		},
		{
			name:     "no events",
			replicas: 3, maxUnavailable: 1,
			wantErr: []string{"saw 0 events for 0 pods", "cannot judge"},
		},
		{
			name:     "fewer pods than replicas, though one is down",
			events:   []PodEvent{ev(0, "pod-0", "ready"), ev(0, "pod-1", "notready"), ev(5, "pod-1", "deleted")},
			replicas: 3, maxUnavailable: 0,
			wantErr: []string{"saw 3 events for 2 pods", "at least 3 distinct pods", "cannot judge"},
		},
		{
			name:     "zero replicas",
			events:   initial(3),
			replicas: 0, maxUnavailable: 1,
			wantErr: []string{"replicas: want > 0, got 0"},
		},
		{
			name:     "negative maxUnavailable",
			events:   initial(3),
			replicas: 3, maxUnavailable: -1,
			wantErr: []string{"maxUnavailable: want >= 0, got -1"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := CheckDisruptionBudget(c.events, c.replicas, c.maxUnavailable)
			if v.Events != len(c.events) || v.Replicas != c.replicas || v.MaxUnavailable != c.maxUnavailable {
				t.Errorf("verdict %+v does not echo %d events, %d replicas, maxUnavailable %d", v, len(c.events), c.replicas, c.maxUnavailable)
			}
			if v.MostUnavailable != c.wantMost || len(v.Violations) != c.wantViolations {
				t.Errorf("MostUnavailable %d, %d violations %+v; want %d, %d", v.MostUnavailable, len(v.Violations), v.Violations, c.wantMost, c.wantViolations)
			}
			expectErr(t, v.Err(), c.wantErr)
		})
	}
}

func TestCheckDisruptionBudgetFirstViolation(t *testing.T) {
	events := slices.Concat(initial(3), drained(10, "pod-0")[:4], []PodEvent{ev(14, "pod-1", "term")})
	v := CheckDisruptionBudget(events, 3, 1)
	want := BudgetViolation{At: at(14), Unavailable: 2, UnavailablePods: []string{"pod-0", "pod-1"}}
	if len(v.Violations) != 1 || !v.Violations[0].At.Equal(want.At) || v.Violations[0].Unavailable != want.Unavailable ||
		!slices.Equal(v.Violations[0].UnavailablePods, want.UnavailablePods) {
		t.Errorf("violations %+v, want [%+v]", v.Violations, want)
	}
}

func TestFirstReadyAfter(t *testing.T) {
	events := []PodEvent{
		ev(0, "pod-0", "ready"), ev(0, "pod-1", "ready"),
		ev(5, "pod-0", "term"), ev(6, "pod-1", "term"), ev(7, "pod-0", "deleted"),
		ev(8, "pod-0", "notready"), ev(12, "pod-0", "ready"), ev(15, "pod-0", "ready"),
	}
	cases := []struct {
		name   string
		pod    string
		after  time.Time
		want   time.Time
		wantOK bool
	}{
		{"ready before after does not count; terminating-Ready does not either", "pod-0", at(1), at(12), true},
		{"at after counts", "pod-0", at(12), at(12), true},
		{"later event", "pod-0", at(13), at(15), true},
		{"nothing after", "pod-0", at(16), time.Time{}, false},
		{"other pod's events ignored", "pod-1", at(1), time.Time{}, false},
		{"unknown pod", "pod-9", t0, time.Time{}, false},
	}
	for _, c := range cases {
		got, ok := FirstReadyAfter(events, c.pod, c.after)
		if ok != c.wantOK || !got.Equal(c.want) {
			t.Errorf("%s: FirstReadyAfter(%s, %s) = %s, %v; want %s, %v", c.name, c.pod, c.after, got, ok, c.want, c.wantOK)
		}
	}
}

func TestEvictionsWaitedForReady(t *testing.T) {
	readyAt := at(10)
	first := faults.Eviction{Pod: "db/pod-0", At: at(1), Code: 201}
	e := func(s, code int) faults.Eviction { return faults.Eviction{Pod: "db/pod-1", At: at(s), Code: code} }
	cases := []struct {
		name      string
		evictions []faults.Eviction
		readyAt   time.Time
		// wantErr is a substring of the error; "" means nil.
		wantErr string
	}{
		{"refused until ready, then accepted", []faults.Eviction{first, e(2, 429), e(5, 429), e(12, 201)}, readyAt, ""},
		{"accepted exactly at readyAt", []faults.Eviction{first, e(2, 429), e(10, 200)}, readyAt, ""},
		{"404 after the accepted one is not judged", []faults.Eviction{first, e(2, 429), e(12, 201), e(13, 404)}, readyAt, ""},
		{"accepted before ready", []faults.Eviction{first, e(2, 429), e(5, 201)}, readyAt,
			"accepted (HTTP 201) at " + at(5).Format(time.RFC3339Nano) + ", before the previously evicted pod was Ready again at " + readyAt.Format(time.RFC3339Nano)},
		{"accepted before ready, later accepted again", []faults.Eviction{first, e(2, 429), e(5, 201), e(12, 201)}, readyAt, "accepted (HTTP 201) at " + at(5).Format(time.RFC3339Nano)},
		{"never refused", []faults.Eviction{first, e(12, 201)}, readyAt, "never refused (HTTP 429) in 1 calls"},
		{"refused only after ready", []faults.Eviction{first, e(11, 429), e(12, 201)}, readyAt, "1 refused (HTTP 429), all after"},
		{"never accepted", []faults.Eviction{first, e(2, 429), e(12, 429)}, readyAt, "never accepted (HTTP 2xx), 2 calls all refused"},
		{"500 in between", []faults.Eviction{first, e(2, 429), e(5, 500), e(12, 201)}, readyAt, "answered HTTP 500 at " + at(5).Format(time.RFC3339Nano)},
		{"no answer in between", []faults.Eviction{first, e(2, 429), e(5, 0), e(12, 201)}, readyAt, "answered no answer (code 0)"},
		{"no attempt for the pod", []faults.Eviction{first}, readyAt, "evictions of db/pod-1: none among 1 eviction calls"},
		{"no evictions at all", nil, readyAt, "none among 0 eviction calls"},
		{"zero readyAt", []faults.Eviction{first, e(2, 429), e(12, 201)}, time.Time{}, "readyAt is zero"},
	}
	for _, c := range cases {
		err := EvictionsWaitedForReady(c.evictions, "db/pod-1", c.readyAt)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: want nil, got %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: want an error containing %q, got %v", c.name, c.wantErr, err)
		}
	}
}

// expectErr checks that err is nil when want is empty, else an error containing every string
// of want.
func expectErr(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Errorf("want no error, got %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want an error containing %q, got nil", want)
	}
	for _, s := range want {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}
