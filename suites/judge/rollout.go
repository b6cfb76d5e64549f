package judge

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CheckRollingUpdate judges a StatefulSet RollingUpdate
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#rolling-updates and
// #partitioned-rolling-updates): the controller "will proceed in the same order as Pod
// termination (from the largest ordinal to the smallest), updating each Pod one at a time", and
// "waits until an updated Pod is Running and Ready prior to updating its predecessor"; with
// spec.updateStrategy.rollingUpdate.partition, "all Pods with an ordinal that is greater than or
// equal to the partition will be updated", the others never.
//
// events, sts and initial are as for CheckOrderedCreation; each event carries the pod's
// Revision (controller-revision-hash) and update is the StatefulSet's status.updateRevision.
// Every start of a termination (as for CheckOrderedDeletion) after the initial list is judged:
// the pod's ordinal must be >= partition, and every existing pod of a higher ordinal must be
// Ready at revision update. After the last event, every existing pod with ordinal >= partition
// must be at update, every pod below it at the revision it had in the initial list, and no pod
// may be left deleted (the caller waits until the watch has delivered the end of the update). Each
// offence is one violation; Err reports them, and a watch in which no pod was replaced.
func CheckRollingUpdate(events []PodEvent, sts string, initial int, update string, partition int) OrderVerdict {
	v := OrderVerdict{Rule: RuleRollingUpdate, StatefulSet: sts, Events: len(events), Initial: initial}
	first := map[int]string{} // revision of each ordinal in the initial list
	replayOrdinals(events, sts, initial, func(e PodEvent, ord int, pods map[int]*ordinalPod, _, terminates bool) {
		if !terminates {
			return
		}
		v.Terminated++
		var bad []string
		if ord < partition {
			bad = append(bad, fmt.Sprintf("ordinal below the partition %d", partition))
		}
		for _, k := range slices.Sorted(maps.Keys(pods)) {
			if p := pods[k]; k > ord && p.exists && (p.state() != "Ready" || p.last.Revision != update) {
				bad = append(bad, fmt.Sprintf("successor %s-%d %s at revision %q", sts, k, p.state(), p.last.Revision))
			}
		}
		if len(bad) > 0 {
			v.Violations = append(v.Violations, OrderViolation{At: e.At, Pod: e.Pod, Problem: "replaced with " + strings.Join(bad, ", ")})
		}
	})
	last := map[int]PodEvent{}
	for i, e := range events {
		if ord, ok := Ordinal(sts, e.Pod); ok {
			if _, seen := first[ord]; !seen && i < initial {
				first[ord] = e.Revision
			}
			last[ord] = e
		}
	}
	for _, ord := range slices.Sorted(maps.Keys(last)) {
		e := last[ord]
		switch {
		case e.Deleted:
			v.Violations = append(v.Violations, OrderViolation{At: e.At, Pod: e.Pod,
				Problem: "deleted and not seen again: a rolling update replaces pods, it does not remove them"})
		case ord >= partition && e.Revision != update:
			v.Violations = append(v.Violations, OrderViolation{At: e.At, Pod: e.Pod,
				Problem: fmt.Sprintf("not updated: revision %q, want %q", e.Revision, update)})
		case ord < partition && e.Revision != first[ord]:
			v.Violations = append(v.Violations, OrderViolation{At: e.At, Pod: e.Pod,
				Problem: fmt.Sprintf("below the partition %d but changed: revision %q, want %q", partition, e.Revision, first[ord])})
		}
	}
	return v
}
