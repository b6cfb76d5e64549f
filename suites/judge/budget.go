package judge

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stateproof/stateproof/faults"
)

// PodEvent is one observed state of a workload pod, as a watch on the pods delivers it.
type PodEvent struct {
	// At is when the watch delivered the event.
	At time.Time `json:"at"`
	// Pod is the pod's name (without namespace).
	Pod string `json:"pod"`
	// Ready is true when the pod's Ready condition is True.
	Ready bool `json:"ready"`
	// Terminating is true when the pod's deletionTimestamp is set.
	Terminating bool `json:"terminating"`
	// Deleted is true when the watch said DELETED.
	Deleted bool `json:"deleted"`
	// Node is the node the pod is bound to, if any.
	Node string `json:"node,omitempty"`
	// Revision is the pod's controller-revision-hash label: the StatefulSet revision it was
	// created from (https://kubernetes.io/docs/reference/labels-annotations-taints/#controller-revision-hash).
	Revision string `json:"revision,omitempty"`
}

// Healthy reports whether the disruption controller would count the pod as healthy: Ready, not
// terminating and not gone (pkg/controller/disruption/disruption.go, countHealthyPods). It is
// also what StatefulSet ordering calls Running and Ready.
func (e PodEvent) Healthy() bool { return e.Ready && !e.Terminating && !e.Deleted }

// BudgetVerdict is the result of replaying a pod watch against a PodDisruptionBudget.
type BudgetVerdict struct {
	// Replicas is the workload's desired number of pods (the PDB's expected count).
	Replicas int `json:"replicas"`
	// MaxUnavailable is the PDB's spec.maxUnavailable, as a number of pods.
	MaxUnavailable int `json:"maxUnavailable"`
	// MostUnavailable is the largest number of unavailable pods at any judged instant.
	MostUnavailable int `json:"mostUnavailable"`
	// Events is how many watch events were replayed.
	Events int `json:"events"`
	// Pods is how many distinct pod names the events mention.
	Pods int `json:"pods"`
	// Violations lists every judged instant at which more than MaxUnavailable pods were
	// unavailable, in watch order.
	Violations []BudgetViolation `json:"violations,omitempty"`
}

// BudgetViolation is one instant at which a PodDisruptionBudget was exceeded.
type BudgetViolation struct {
	// At is the At of the watch event after which the budget was exceeded.
	At time.Time `json:"at"`
	// Unavailable is the number of unavailable pods then: Replicas minus healthy pods.
	Unavailable int `json:"unavailable"`
	// UnavailablePods are the names, sorted, of the pods seen whose latest state was not
	// healthy then (not Ready, terminating or deleted).
	UnavailablePods []string `json:"unavailablePods"`
}

// CheckDisruptionBudget judges whether a workload of replicas pods ever had more than
// maxUnavailable of them unavailable while events were observed.
//
// A pod is healthy when its latest event is Ready, not Terminating and not Deleted, which is how
// the disruption controller counts healthy pods for a PodDisruptionBudget
// (https://kubernetes.io/docs/tasks/run-application/configure-pdb/, and
// pkg/controller/disruption/disruption.go countHealthyPods: a pod with a deletionTimestamp
// never counts, a Ready one does). Unavailable is replicas minus the healthy pods, not below 0
// (the controller's disruptionsAllowed is healthy − (expected − maxUnavailable), so the budget
// is exceeded exactly when unavailable > maxUnavailable). The controller's DisruptedPods
// (evicted pods whose deletion it has not seen yet) are not modelled: the watch sees the
// deletionTimestamp that the eviction sets.
//
// Events are replayed in slice order, never re-sorted by At: they come from one watch, so their
// order is the API server's order, while At is only the local clock on arrival. Pods are told
// apart by name, as StatefulSet pods are: a deleted pod stays unavailable until an event for its
// name comes back; a pod that is replaced under a new name stays listed as deleted.
//
// Judging starts with the event that brings the number of distinct pods seen to replicas: the
// caller starts the watch with an initial list of the pods, and the instants before that list
// has been replayed say nothing about the workload. If the workload had more than replicas pods
// when the watch started, judging may start before the whole list is replayed; that can only
// count too many pods unavailable, never too few. After that, every event is one instant; each
// one after which unavailable > maxUnavailable is a violation, so one outage spanning several
// events gives several violations.
//
// It never fails by itself: Err reports invalid inputs (replicas <= 0, maxUnavailable < 0), a
// watch too short to judge (no events, or fewer than replicas distinct pods) and violations.
func CheckDisruptionBudget(events []PodEvent, replicas, maxUnavailable int) BudgetVerdict {
	v := BudgetVerdict{Replicas: replicas, MaxUnavailable: maxUnavailable, Events: len(events)}
	if replicas <= 0 || maxUnavailable < 0 {
		return v
	}
	healthy := map[string]bool{} // pod name → its latest state counts as healthy
	for _, e := range events {
		healthy[e.Pod] = e.Healthy()
		if len(healthy) < replicas {
			continue
		}
		up := 0
		var down []string
		for pod, ok := range healthy {
			if ok {
				up++
			} else {
				down = append(down, pod)
			}
		}
		unavailable := max(0, replicas-up)
		v.MostUnavailable = max(v.MostUnavailable, unavailable)
		if unavailable > maxUnavailable {
			slices.Sort(down)
			v.Violations = append(v.Violations, BudgetViolation{At: e.At, Unavailable: unavailable, UnavailablePods: down})
		}
	}
	v.Pods = len(healthy)
	return v
}

// Err is nil when the budget held at every judged instant. Otherwise it says why: replicas or
// maxUnavailable out of range, a watch that saw no events or fewer distinct pods than replicas
// (so it cannot judge, and must not pass), or the first violation — its time, the unavailable
// count against the budget, the pods — and how many violations there were in total.
func (v BudgetVerdict) Err() error {
	var bad []string
	if v.Replicas <= 0 {
		bad = append(bad, fmt.Sprintf("replicas: want > 0, got %d", v.Replicas))
	}
	if v.MaxUnavailable < 0 {
		bad = append(bad, fmt.Sprintf("maxUnavailable: want >= 0, got %d", v.MaxUnavailable))
	}
	if len(bad) > 0 {
		return errors.New("disruption budget: invalid budget: " + strings.Join(bad, "; "))
	}
	if v.Events == 0 || v.Pods < v.Replicas {
		return fmt.Errorf("disruption budget: the watch saw %d events for %d pods, want events for at least %d distinct pods (replicas); cannot judge",
			v.Events, v.Pods, v.Replicas)
	}
	if len(v.Violations) == 0 {
		return nil
	}
	first := v.Violations[0]
	return fmt.Errorf("disruption budget violated at %s: %d > %d unavailable of %d replicas (maxUnavailable %d), unavailable pods: %s; %d violations in total, at most %d unavailable",
		first.At.Format(time.RFC3339Nano), first.Unavailable, v.MaxUnavailable, v.Replicas, v.MaxUnavailable,
		strings.Join(first.UnavailablePods, ", "), len(v.Violations), v.MostUnavailable)
}

// FirstReadyAfter returns the At of the first event, in watch order, for the pod named pod (no
// namespace) at or after after that shows it healthy: Ready, not Terminating, not Deleted. ok is
// false when there is none. A pod that was Ready before after and did not change has no such
// event, so after should be a time by which the pod had gone unready (e.g. its eviction).
func FirstReadyAfter(events []PodEvent, pod string, after time.Time) (readyAt time.Time, ok bool) {
	for _, e := range events {
		if e.Pod == pod && !e.At.Before(after) && e.Healthy() {
			return e.At, true
		}
	}
	return time.Time{}, false
}

// EvictionsWaitedForReady judges that a drain's evictions of pod ("namespace/name") were refused
// by the PodDisruptionBudget (HTTP 429) until the previously evicted pod was Ready again at
// readyAt, and then accepted (HTTP 2xx) — the Eviction API's behaviour when a budget allows no
// disruption (https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/,
// pkg/registry/core/pod/storage/eviction.go).
//
// It returns an error when readyAt is zero; when evictions hold no call for pod; when an
// eviction of pod was accepted before readyAt; when, before the first accepted one, a call got
// any answer but 429 (the code is named; 0 means no answer); when no call was refused, or
// refused only after readyAt (the drain then never had to wait); or when none was accepted.
// Answers after the first accepted one (e.g. 404 for a retried call) are not judged.
func EvictionsWaitedForReady(evictions []faults.Eviction, pod string, readyAt time.Time) error {
	if readyAt.IsZero() {
		return fmt.Errorf("evictions of %s: readyAt is zero, want the time the previously evicted pod was Ready again", pod)
	}
	ready := readyAt.Format(time.RFC3339Nano)
	var mine []faults.Eviction
	for _, e := range evictions {
		if e.Pod == pod {
			mine = append(mine, e)
		}
	}
	if len(mine) == 0 {
		return fmt.Errorf("evictions of %s: none among %d eviction calls, want HTTP 429 until %s, then 2xx", pod, len(evictions), ready)
	}
	for _, e := range mine {
		if e.Accepted() && e.At.Before(readyAt) {
			return fmt.Errorf("eviction of %s accepted (HTTP %d) at %s, before the previously evicted pod was Ready again at %s: want HTTP 429 until then",
				pod, e.Code, e.At.Format(time.RFC3339Nano), ready)
		}
	}
	refused, refusedInTime, accepted := 0, 0, false
	for _, e := range mine {
		if e.Accepted() {
			accepted = true
			break
		}
		if !e.Refused() {
			return fmt.Errorf("eviction of %s answered %s at %s before any was accepted, want only HTTP 429 until an HTTP 2xx",
				pod, httpCode(e.Code), e.At.Format(time.RFC3339Nano))
		}
		refused++
		if !e.At.After(readyAt) {
			refusedInTime++
		}
	}
	switch {
	case refused == 0:
		return fmt.Errorf("evictions of %s: never refused (HTTP 429) in %d calls, want refusals until %s", pod, len(mine), ready)
	case refusedInTime == 0:
		return fmt.Errorf("evictions of %s: %d refused (HTTP 429), all after %s, want a refusal while the previously evicted pod was not Ready", pod, refused, ready)
	case !accepted:
		return fmt.Errorf("evictions of %s: never accepted (HTTP 2xx), %d calls all refused (HTTP 429)", pod, refused)
	}
	return nil
}

// httpCode names an Eviction.Code for a message: "HTTP 500", or "no answer (code 0)".
func httpCode(code int) string {
	if code == 0 {
		return "no answer (code 0)"
	}
	return fmt.Sprintf("HTTP %d", code)
}
