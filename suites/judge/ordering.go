package judge

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Rule of an OrderVerdict: which OrderedReady guarantee it judged.
const (
	// RuleOrderedCreation is the Rule of CheckOrderedCreation's verdicts.
	RuleOrderedCreation = "OrderedReady creation"
	// RuleOrderedDeletion is the Rule of CheckOrderedDeletion's verdicts.
	RuleOrderedDeletion = "OrderedReady deletion"
	// RuleRollingUpdate is the Rule of CheckRollingUpdate's verdicts.
	RuleRollingUpdate = "RollingUpdate"
)

// OrderVerdict is the result of replaying a pod watch against one ordering guarantee of a
// StatefulSet with podManagementPolicy OrderedReady
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees
// and #pod-management-policies).
type OrderVerdict struct {
	// Rule is RuleOrderedCreation, RuleOrderedDeletion or RuleRollingUpdate.
	Rule string `json:"rule"`
	// StatefulSet is the StatefulSet's name; its pods are named <StatefulSet>-<ordinal>.
	StatefulSet string `json:"statefulSet"`
	// Events is how many watch events were given, the initial list included.
	Events int `json:"events"`
	// Initial is how many leading events were the watch's initial list, replayed but not judged.
	Initial int `json:"initial"`
	// Created is how many appearances of the StatefulSet's pods (creations and re-creations) after
	// the initial list were judged; only CheckOrderedCreation counts them.
	Created int `json:"created"`
	// Terminated is how many terminations of the StatefulSet's pods (first Terminating or Deleted
	// event of an existing pod) after the initial list were judged; CheckOrderedDeletion and
	// CheckRollingUpdate count them.
	Terminated int `json:"terminated"`
	// Violations lists every judged creation or termination that broke the rule, in watch order.
	Violations []OrderViolation `json:"violations,omitempty"`
}

// OrderViolation is one creation or termination of a StatefulSet pod that broke the ordering rule.
type OrderViolation struct {
	// At is the At of the watch event at which the pod appeared or started terminating.
	At time.Time `json:"at"`
	// Pod is the pod that was created or terminated.
	Pod string `json:"pod"`
	// Problem says which other pods were in the way, each with its state then, e.g.
	// "predecessors not Ready: web-0 missing, web-1 not Ready" or
	// "successors still exist: web-4 Ready".
	Problem string `json:"problem"`
}

// Ordinal parses pod as a pod of the StatefulSet named sts: "<sts>-<ordinal>", where ordinal is a
// non-negative decimal integer without a sign and without leading zeros ("0" itself is fine),
// exactly as the StatefulSet controller names its pods ("%s-%d"), and at most math.MaxInt32 (the
// controller parses ordinals as 32-bit integers). ok is false for any other name, including pods
// of other StatefulSets whose names start with sts ("web-1-0" is pod 0 of StatefulSet "web-1",
// not a pod of "web"), and when sts is empty.
func Ordinal(sts, pod string) (ordinal int, ok bool) {
	rest, found := strings.CutPrefix(pod, sts+"-")
	if sts == "" || !found || rest == "" || (len(rest) > 1 && rest[0] == '0') {
		return 0, false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(rest, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// CheckOrderedCreation judges the OrderedReady guarantee for creating pods: "before a scaling
// operation is applied to a Pod, all of its predecessors must be Running and Ready"
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees;
// #pod-management-policies: OrderedReady is the default policy; the controller's processReplica
// in pkg/controller/statefulset/stateful_set_control.go stops at the first pod that is missing,
// terminating or not Running and Ready).
//
// events is one watch on the pods, replayed in slice order and never re-sorted by At (see
// CheckDisruptionBudget); its first initial events are the watch's initial list: they set the
// pods' state but their appearances are not judged. Events of pods that are not named
// <sts>-<ordinal> (see Ordinal) are ignored. A pod appears at its first event, or at its first
// event after a Deleted event for its name (a re-creation); an event with Deleted set is never an
// appearance, since the pod is gone then. A pod exists from its appearance until its Deleted
// event.
//
// Every appearance of <sts>-j after the initial list is judged: each <sts>-i with 0 <= i < j
// must exist and be Ready then — its latest event before this one Ready, not Terminating, not
// Deleted. Each appearance that finds a predecessor missing (never seen, or deleted), terminating
// or not Ready is one violation. Ordinals are assumed to start at 0 (spec.ordinals.start unset);
// with another start the pods below it would be reported missing. Running is not observed: a
// Ready pod is taken to be Running.
//
// The watch shows the API server's order, while the controller acts on its informer cache, so a
// predecessor that goes unready or is deleted (e.g. by an injected fault) just before the
// controller's create request lands also shows as a violation.
//
// It never fails by itself: Err reports invalid inputs, a watch with no creation to judge and
// violations.
func CheckOrderedCreation(events []PodEvent, sts string, initial int) OrderVerdict {
	v := OrderVerdict{Rule: RuleOrderedCreation, StatefulSet: sts, Events: len(events), Initial: initial}
	replayOrdinals(events, sts, initial, func(e PodEvent, ord int, pods map[int]*ordinalPod, appears, _ bool) {
		if !appears {
			return
		}
		v.Created++
		if bad := predecessorsNotReady(sts, ord, pods); len(bad) > 0 {
			v.Violations = append(v.Violations, OrderViolation{At: e.At, Pod: e.Pod,
				Problem: "predecessors not Ready: " + strings.Join(bad, ", ")})
		}
	})
	return v
}

// CheckOrderedDeletion judges the OrderedReady guarantee for scaling down: "When Pods are being
// deleted, they are terminated in reverse order, from {N-1..0}" and "Before a Pod is terminated,
// all of its successors must be completely shut down"
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees
// and #pod-management-policies; the controller's processCondemned in
// pkg/controller/statefulset/stateful_set_control.go deletes the condemned pods from the highest
// ordinal down and waits while one is terminating).
//
// events, sts and initial are as for CheckOrderedCreation, and so are appearing and existing.
// A pod starts terminating at its first event with Terminating or Deleted set while it exists
// (once per existence: a re-created pod can terminate again). Every such start after the initial
// list is judged: no <sts>-k with k > j may exist then (appeared and not yet Deleted; a
// terminating successor still exists). Each start that finds successors is one violation.
//
// The watch cannot tell who deleted a pod, so every deletion is judged as the controller's
// scale-down: judge a watch over a scale-down, not one that spans a rolling update (which
// replaces pods from the highest ordinal down while their successors run), deletions of Failed
// pods by the controller, evictions, or faults that delete pods.
//
// It never fails by itself: Err reports invalid inputs, a watch with no termination to judge and
// violations.
func CheckOrderedDeletion(events []PodEvent, sts string, initial int) OrderVerdict {
	v := OrderVerdict{Rule: RuleOrderedDeletion, StatefulSet: sts, Events: len(events), Initial: initial}
	replayOrdinals(events, sts, initial, func(e PodEvent, ord int, pods map[int]*ordinalPod, _, terminates bool) {
		if !terminates {
			return
		}
		v.Terminated++
		var succ []int
		for k, p := range pods {
			if k > ord && p.exists {
				succ = append(succ, k)
			}
		}
		if len(succ) == 0 {
			return
		}
		slices.Sort(succ)
		still := make([]string, len(succ))
		for i, k := range succ {
			still[i] = fmt.Sprintf("%s-%d %s", sts, k, pods[k].state())
		}
		v.Violations = append(v.Violations, OrderViolation{At: e.At, Pod: e.Pod,
			Problem: "successors still exist: " + strings.Join(still, ", ")})
	})
	return v
}

// Err is nil when the rule held at every judged creation or termination and at least one was
// judged. Otherwise it says why: an unknown Rule, an empty StatefulSet name or an initial count
// outside 0..Events (as want/got); a watch that saw no creation (RuleOrderedCreation) or
// termination (RuleOrderedDeletion) of the StatefulSet's pods after the initial list, so that it
// cannot judge and must not pass; or the first violation — pod, time, problem — and how many
// violations there were among how many judged.
func (v OrderVerdict) Err() error {
	var judged int
	var what string
	switch v.Rule {
	case RuleOrderedCreation:
		judged, what = v.Created, "creation"
	case RuleOrderedDeletion, RuleRollingUpdate:
		judged, what = v.Terminated, "termination"
	default:
		return fmt.Errorf("pod ordering: rule: want %q, %q or %q, got %q", RuleOrderedCreation, RuleOrderedDeletion, RuleRollingUpdate, v.Rule)
	}
	var bad []string
	if v.StatefulSet == "" {
		bad = append(bad, `statefulSet: want a name, got ""`)
	}
	if v.Initial < 0 || v.Initial > v.Events {
		bad = append(bad, fmt.Sprintf("initial: want 0..%d (the number of events), got %d", v.Events, v.Initial))
	}
	if len(bad) > 0 {
		return errors.New(v.Rule + ": invalid input: " + strings.Join(bad, "; "))
	}
	if judged == 0 {
		return fmt.Errorf("%s of %s: the watch saw no %s of %s-N pods after the initial %d of %d events; cannot judge",
			v.Rule, v.StatefulSet, what, v.StatefulSet, v.Initial, v.Events)
	}
	if len(v.Violations) == 0 {
		return nil
	}
	first := v.Violations[0]
	return fmt.Errorf("%s of %s violated: %s at %s: %s; %d violations in %d %ss judged",
		v.Rule, v.StatefulSet, first.Pod, first.At.Format(time.RFC3339Nano), first.Problem, len(v.Violations), judged, what)
}

// ordinalPod is the replayed state of one StatefulSet pod name.
type ordinalPod struct {
	// exists is true from the pod's appearance until its Deleted event.
	exists bool
	// terminating is true once the existing pod had a Terminating or Deleted event.
	terminating bool
	// last is the pod's latest event.
	last PodEvent
}

// state names the pod's latest state for a message: "missing", "terminating", "not Ready" or
// "Ready".
func (p *ordinalPod) state() string {
	switch {
	case p == nil || !p.exists || p.last.Deleted:
		return "missing"
	case p.last.Terminating:
		return "terminating"
	case !p.last.Ready:
		return "not Ready"
	}
	return "Ready"
}

// replayOrdinals replays events in slice order for the pods named <sts>-<ordinal>, ignoring the
// others. For each such event after the first initial ones it calls judge before applying the
// event, so pods holds every pod's state just before it; appears is true when the event is the
// pod's appearance, terminates when it is the start of its termination (both for a pod that
// appears already terminating). Nothing is judged when initial is out of range: Err reports it.
func replayOrdinals(events []PodEvent, sts string, initial int, judge func(e PodEvent, ord int, pods map[int]*ordinalPod, appears, terminates bool)) {
	if initial < 0 || initial > len(events) {
		return
	}
	pods := map[int]*ordinalPod{}
	for i, e := range events {
		ord, ok := Ordinal(sts, e.Pod)
		if !ok {
			continue
		}
		p := pods[ord]
		if p == nil {
			p = &ordinalPod{}
			pods[ord] = p
		}
		appears := !p.exists && !e.Deleted
		terminates := (p.exists || appears) && !p.terminating && (e.Terminating || e.Deleted)
		if i >= initial {
			judge(e, ord, pods, appears, terminates)
		}
		if appears {
			p.exists, p.terminating = true, false
		}
		if terminates {
			p.terminating = true
		}
		if e.Deleted {
			p.exists = false
		}
		p.last = e
	}
}

// predecessorsNotReady lists, by ordinal, each pod <sts>-i with i < ord that is not Ready in
// pods, with its state ("web-1 not Ready"); a run of missing ordinals is one entry
// ("web-0..web-3 missing").
func predecessorsNotReady(sts string, ord int, pods map[int]*ordinalPod) []string {
	var known []int
	for k, p := range pods {
		if k < ord && p.exists {
			known = append(known, k)
		}
	}
	slices.Sort(known)
	var bad []string
	missing := func(from, to int) {
		switch {
		case from == to:
			bad = append(bad, fmt.Sprintf("%s-%d missing", sts, from))
		case from < to:
			bad = append(bad, fmt.Sprintf("%s-%d..%s-%d missing", sts, from, sts, to))
		}
	}
	next := 0
	for _, k := range known {
		missing(next, k-1)
		if s := pods[k].state(); s != "Ready" {
			bad = append(bad, fmt.Sprintf("%s-%d %s", sts, k, s))
		}
		next = k + 1
	}
	missing(next, ord-1)
	return bad
}
