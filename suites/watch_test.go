//go:build e2e

package suites

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/record"
)

// podWatch records every change of a workload's pods that one watch delivered, in its order, for
// judges that need every instant (a PodDisruptionBudget, ordered scaling), not samples. (Should
// the watch break, the informer re-lists, and changes made meanwhile arrive merged.)
type podWatch struct {
	mu     sync.Mutex
	events []judge.PodEvent
}

// watchPods starts recording the pods of ns matching selector; the watch stops at the end of
// the spec, and the events are saved as pod-events.json in the spec's artifacts.
func watchPods(ctx context.Context, ns, selector string) *podWatch {
	w := &podWatch{}
	stop, err := env.client.WatchPods(ctx, ns, selector, func(c kube.PodChange) {
		e := judge.PodEvent{
			At: time.Now(), Pod: c.Pod.Name, Node: c.Pod.Spec.NodeName, Deleted: c.Deleted,
			Ready: kube.PodReady(c.Pod), Terminating: c.Pod.DeletionTimestamp != nil,
			Revision: c.Pod.Labels[appsv1.ControllerRevisionHashLabelKey],
		}
		w.mu.Lock()
		w.events = append(w.events, e)
		w.mu.Unlock()
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		stop()
		writeJSON(filepath.Join(specArtifacts(""), record.PodEventsFile), w.Events())
	})
	return w
}

// judge runs check c over the events recorded so far (record.JudgeWatch) and records it on the
// spec's record with the number of events it read, so that `stateproof judge` replays exactly
// those. It returns the judgement without failing the spec (a negative control expects a
// failure); judged does both.
func (w *podWatch) judge(c record.WatchCheck) record.Judgement {
	events := w.Events()
	c.Events = len(events)
	j := record.JudgeWatch(c, events)
	recorded(func(r *record.Spec) {
		r.Watch = append(r.Watch, c)
		r.Add(j)
	})
	return j
}

// judged is judge, failing the spec unless the judgement passed.
func (w *podWatch) judged(c record.WatchCheck) {
	GinkgoHelper()
	failUnlessPassed([]record.Judgement{w.judge(c)})
}

// Events returns a copy of the events recorded so far, in watch order.
func (w *podWatch) Events() []judge.PodEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]judge.PodEvent(nil), w.events...)
}

// latest returns each pod's latest recorded state.
func (w *podWatch) latest() map[string]judge.PodEvent {
	last := map[string]judge.PodEvent{}
	for _, e := range w.Events() {
		last[e.Pod] = e
	}
	return last
}

// waitUntil waits (at most the ready timeout) until the watch has delivered a state in which
// every pod in pods satisfies ok, so that a judge replaying the events sees the end of what it
// judges and not only what the API's GETs already showed.
func (w *podWatch) waitUntil(ctx context.Context, what string, pods []string, ok func(judge.PodEvent) bool) {
	Eventually(func() []string {
		last := w.latest()
		var pending []string
		for _, p := range pods {
			if e, seen := last[p]; !seen || !ok(e) {
				pending = append(pending, p)
			}
		}
		return pending
	}).WithContext(ctx).WithTimeout(flags.readyTimeout).Should(BeEmpty(), "the pod watch never showed %s", what)
}
