package record

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stateproof/stateproof/suites/judge"
)

// scaleUp is the watch of web scaled 1 → 3 with OrderedReady: web-0 listed, then web-1 created
// and Ready, then web-2 created and Ready.
func scaleUp() []judge.PodEvent {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	return []judge.PodEvent{
		{At: at(0), Pod: "web-0", Ready: true},
		{At: at(1), Pod: "web-1"},
		{At: at(2), Pod: "web-1", Ready: true},
		{At: at(3), Pod: "web-2"},
		{At: at(4), Pod: "web-2", Ready: true},
	}
}

func TestJudgeWatchReplaysThePrefixItRead(t *testing.T) {
	events := scaleUp()
	c := WatchCheck{Judge: JudgeOrdering, Check: CheckCreation, StatefulSet: "web", Initial: 1, Events: len(events)}
	if j := JudgeWatch(c, events); j.Outcome != Pass {
		t.Fatalf("ordered scale-up: %+v", j)
	}
	// web-2 created while web-1 is not Ready yet: a violation, seen only in the events read.
	bad := append(events[:2:2], judge.PodEvent{Pod: "web-2"}, judge.PodEvent{Pod: "web-1", Ready: true}, judge.PodEvent{Pod: "web-2", Ready: true})
	c.Events = len(bad)
	if j := JudgeWatch(c, bad); j.Outcome != Fail {
		t.Errorf("web-2 before web-1 Ready: %+v, want fail", j)
	}
	c.Events = 2
	if j := JudgeWatch(c, bad); j.Outcome == Fail {
		t.Errorf("the first 2 events hold no violation, yet %+v", j)
	}
	c.Events = len(bad) + 1
	if j := JudgeWatch(c, bad); j.Outcome != Undecided || !strings.Contains(j.Message, "the watch holds") {
		t.Errorf("a watch shorter than what the judge read: %+v, want undecided", j)
	}
	if j := JudgeWatch(WatchCheck{Judge: JudgeOrdering, Check: "sideways"}, events); j.Outcome != Undecided {
		t.Errorf("unknown check: %+v, want undecided", j)
	}
	budget := WatchCheck{Judge: JudgeBudget, Check: CheckBudget, Replicas: 3, MaxUnavailable: 1, Events: len(events)}
	if j := JudgeWatch(budget, events); j.Outcome != Pass {
		t.Errorf("at most web-2 unavailable, budget 1: %+v, want pass", j)
	}
	budget.MaxUnavailable = 0
	if j := JudgeWatch(budget, events); j.Outcome != Fail {
		t.Errorf("web-2 not Ready yet, budget 0: %+v, want the budget violated", j)
	}
}

// A spec that judged ordering twice from one watch (scale-up, then scale-down) is recomputed
// judgement by judgement; an edited watch is caught.
func TestRejudgeRecomputesPodWatchJudgements(t *testing.T) {
	dir := t.TempDir()
	events := scaleUp()
	s := New("StatefulSet creates pods in order", nil)
	up := WatchCheck{Judge: JudgeOrdering, Check: CheckCreation, StatefulSet: "web", Initial: 1, Events: 3}
	upAll := up
	upAll.Events = len(events)
	for _, c := range []WatchCheck{up, upAll} {
		s.Watch = append(s.Watch, c)
		s.Add(JudgeWatch(c, events))
	}
	write := func(events []judge.PodEvent) {
		data, _ := json.Marshal(events)
		if err := os.WriteFile(filepath.Join(dir, PodEventsFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(events)
	js, figures, err := Rejudge(s, dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := Differences(s, js, figures); len(d) != 0 {
		t.Errorf("differences on an untouched watch: %q", d)
	}
	events[3].Pod, events[4].Pod = "web-3", "web-3" // web-3 created before web-2
	write(events)
	js, figures, _ = Rejudge(s, dir)
	if d := Differences(s, js, figures); len(d) == 0 {
		t.Error("an edited watch gave the recorded verdict")
	}
	s.Judgements = s.Judgements[:1]
	if _, _, err := Rejudge(s, dir); err == nil || !strings.Contains(err.Error(), "does not list: 1 of judge ordering") {
		t.Errorf("a watch check without its judgement: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, PodEventsFile)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Rejudge(s, dir); err == nil || !strings.Contains(err.Error(), PodEventsFile) {
		t.Errorf("missing watch: %v", err)
	}
}
