package record

import (
	"fmt"

	"github.com/stateproof/stateproof/suites/judge"
)

// PodEventsFile is the pod watch of a spec: every change of the workload's pods one watch
// delivered, in its order (a JSON array of judge.PodEvent).
const PodEventsFile = "pod-events.json"

// The checks a WatchCheck runs over the pod watch.
const (
	// CheckCreation is judge.CheckOrderedCreation (OrderedReady scale-up).
	CheckCreation = "creation"
	// CheckDeletion is judge.CheckOrderedDeletion (OrderedReady scale-down).
	CheckDeletion = "deletion"
	// CheckRollingUpdate is judge.CheckRollingUpdate (RollingUpdate with a partition).
	CheckRollingUpdate = "rolling-update"
	// CheckBudget is judge.CheckDisruptionBudget (a PodDisruptionBudget never violated).
	CheckBudget = "budget"
)

// WatchCheck is one judgement made from the pod watch: which check, with which parameters,
// over the first Events events of PodEventsFile. The suites judge while the watch goes on; the
// prefix lets `stateproof judge` replay exactly what the judge read.
type WatchCheck struct {
	// Judge is JudgeOrdering (creation, deletion, rolling update) or JudgeBudget.
	Judge Judge `json:"judge"`
	// Check is CheckCreation, CheckDeletion, CheckRollingUpdate or CheckBudget.
	Check string `json:"check"`
	// StatefulSet names the StatefulSet whose pods are judged (ordering checks).
	StatefulSet string `json:"statefulSet,omitempty"`
	// Initial is how many events were the initial list, before the change judged (ordering
	// checks).
	Initial int `json:"initial,omitempty"`
	// Update and Partition are the rolling update's target revision and partition.
	Update    string `json:"update,omitempty"`
	Partition int    `json:"partition,omitempty"`
	// Replicas and MaxUnavailable are the budget's expected pods and spec.maxUnavailable.
	Replicas       int `json:"replicas,omitempty"`
	MaxUnavailable int `json:"maxUnavailable,omitempty"`
	// Events is how many events of the watch the judge read.
	Events int `json:"events"`
}

// JudgeWatch judges c over the first c.Events of events. A check it does not know, a negative
// c.Events or a watch shorter than it is an undecided judgement naming what is wrong.
func JudgeWatch(c WatchCheck, events []judge.PodEvent) Judgement {
	if c.Events < 0 || c.Events > len(events) {
		return Judged(c.Judge, fmt.Errorf("%w: the %s check read %d pod events, the watch holds %d", ErrUndecided, c.Check, c.Events, len(events)))
	}
	events = events[:c.Events]
	var err error
	switch c.Check {
	case CheckCreation:
		err = judge.CheckOrderedCreation(events, c.StatefulSet, c.Initial).Err()
	case CheckDeletion:
		err = judge.CheckOrderedDeletion(events, c.StatefulSet, c.Initial).Err()
	case CheckRollingUpdate:
		err = judge.CheckRollingUpdate(events, c.StatefulSet, c.Initial, c.Update, c.Partition).Err()
	case CheckBudget:
		err = judge.CheckDisruptionBudget(events, c.Replicas, c.MaxUnavailable).Err()
	default:
		err = fmt.Errorf("%w: unknown pod-watch check %q (want %s, %s, %s or %s)", ErrUndecided, c.Check, CheckCreation, CheckDeletion, CheckRollingUpdate, CheckBudget)
	}
	return Judged(c.Judge, err)
}
