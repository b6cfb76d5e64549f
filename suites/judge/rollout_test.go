package judge

import (
	"strings"
	"testing"
	"time"
)

// rollout builds a watch of StatefulSet web with 3 pods at revision "old" (the initial list),
// followed by steps, each "pod:change" with change one of term, gone, new (re-created at
// revision "new", not Ready), ready.
func rollout(steps ...string) ([]PodEvent, int) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var ev []PodEvent
	state := map[string]PodEvent{}
	add := func(e PodEvent) {
		e.At = t0.Add(time.Duration(len(ev)) * time.Second)
		ev = append(ev, e)
		state[e.Pod] = e
	}
	for _, p := range []string{"web-0", "web-1", "web-2"} {
		add(PodEvent{Pod: p, Ready: true, Revision: "old"})
	}
	initial := len(ev)
	for _, s := range steps {
		pod, change, _ := strings.Cut(s, ":")
		e := state[pod]
		switch change {
		case "term":
			e.Terminating = true
		case "gone":
			e.Deleted = true
		case "new":
			e = PodEvent{Pod: pod, Revision: "new"}
		case "ready":
			e.Ready = true
		}
		add(e)
	}
	return ev, initial
}

func replace(pods ...string) []string {
	var s []string
	for _, p := range pods {
		s = append(s, p+":term", p+":gone", p+":new", p+":ready")
	}
	return s
}

func TestCheckRollingUpdate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		steps     []string
		partition int
		want      []string // substrings of Err; none: pass
	}{
		{"highest ordinal first, each Ready before the next", replace("web-2", "web-1", "web-0"), 0, nil},
		{"partition 2: only web-2", replace("web-2"), 2, nil},
		{"lowest first", replace("web-0", "web-2", "web-1"), 0, []string{"web-0", "successor web-1 Ready at revision \"old\""}},
		{"next replaced before the updated pod is Ready", []string{"web-2:term", "web-2:gone", "web-2:new", "web-1:term"}, 0,
			[]string{"web-1", "successor web-2 not Ready"}},
		{"pod below the partition replaced", replace("web-2", "web-1"), 2, []string{"web-1", "below the partition 2"}},
		{"update stopped half-way", replace("web-2"), 0, []string{"not updated", "web-0", "web-1"}},
		{"nothing replaced", nil, 0, []string{"cannot judge"}},
		{"replacement not seen", []string{"web-2:term", "web-2:gone"}, 2, []string{"web-2", "deleted and not seen again"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, initial := rollout(tc.steps...)
			err := CheckRollingUpdate(ev, "web", initial, "new", tc.partition).Err()
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("want pass, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error containing %q, got nil", tc.want)
			}
			v := CheckRollingUpdate(ev, "web", initial, "new", tc.partition)
			all := err.Error()
			for _, x := range v.Violations {
				all += " | " + x.Pod + ": " + x.Problem
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("%q lacks %q", all, w)
				}
			}
		})
	}
}
