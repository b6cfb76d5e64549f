//go:build e2e

package suites

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/poddelete"
	"github.com/stateproof/stateproof/fixtures/workloads/redis"
	"github.com/stateproof/stateproof/fixtures/workloads/statefulset"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/record"
)

// The StatefulSet controller's ordering guarantees
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees):
// with podManagementPolicy OrderedReady, pods are created in order 0..N-1 and "before a scaling
// operation is applied to a Pod, all of its predecessors must be Running and Ready"; they are
// terminated in reverse order, "all of its successors must be completely shut down" first.
// Parallel (#parallel-pod-management) gives none of this. Every judgement below is made from one
// watch on the pods (every change, in the API server's order), not from samples.
var _ = Describe("StatefulSet", Label("conformance:statefulset"), func() {
	It("creates pods in order, each after its predecessors are Ready, and removes them from the highest ordinal down (OrderedReady)",
		SpecTimeout(10*time.Minute), func(ctx SpecContext) {
			ns, pods, initial := watchedWeb(ctx, 1, appsv1.OrderedReadyPodManagement)

			By("scaling 1 → 5")
			Expect(statefulset.Scale(ctx, env.client, ns, 5, flags.readyTimeout)).To(Succeed())
			pods.waitUntil(ctx, "5 Ready pods", webPods(0, 5), judge.PodEvent.Healthy)
			pods.judged(ordering(record.CheckCreation, initial))
			Expect(judge.CheckOrderedCreation(pods.Events(), statefulset.Name, initial).Created).To(Equal(4), "scaling 1 → 5 must create web-1..web-4 once each")

			By("scaling 5 → 1")
			Expect(statefulset.Scale(ctx, env.client, ns, 1, flags.readyTimeout)).To(Succeed())
			pods.waitUntil(ctx, "web-1..web-4 deleted", webPods(1, 5), func(e judge.PodEvent) bool { return e.Deleted })
			enter(record.PhaseJudging)
			pods.judged(ordering(record.CheckDeletion, initial))
		})

	It("does not create the next pod before a pod deleted during scale-up is Ready again (OrderedReady)",
		Label(podDeleteKind.Label()), SpecTimeout(10*time.Minute), func(ctx SpecContext) {
			ns, pods, initial := watchedWeb(ctx, 2, appsv1.OrderedReadyPodManagement)

			// web-3 is pending (created, not Ready for its first 3 s) when web-2 is deleted, so the
			// controller's decision to create web-3 came before the fault.
			By("scaling 2 → 5 and deleting " + statefulset.PodName(2) + " while " + statefulset.PodName(3) + " is pending")
			Expect(statefulset.SetReplicas(ctx, env.client, ns, 5)).To(Succeed())
			Eventually(func() []judge.PodEvent { return pods.Events() }).WithContext(ctx).WithTimeout(flags.readyTimeout).
				Should(ContainElement(HaveField("Pod", statefulset.PodName(3))), "%s was never created", statefulset.PodName(3))
			inject(ctx, newPodDelete(), faults.Target{Namespace: ns, Pod: statefulset.PodName(2)})
			Expect(env.client.WaitStatefulSetReady(ctx, ns, statefulset.Name, flags.readyTimeout)).To(Succeed())
			pods.waitUntil(ctx, "5 Ready pods", webPods(0, 5), judge.PodEvent.Healthy)

			By("checking that the scenario happened: web-4 was created only after the fault, once web-2 was Ready again")
			// Positions in the watch, which orders every change of the namespace's pods.
			events := pods.Events()
			first := func(from int, match func(judge.PodEvent) bool) int {
				for i := from; i < len(events); i++ {
					if match(events[i]) {
						return i
					}
				}
				return len(events)
			}
			web := func(k int) func(judge.PodEvent) bool {
				return func(e judge.PodEvent) bool { return e.Pod == statefulset.PodName(k) }
			}
			deleted := first(initial, func(e judge.PodEvent) bool { return web(2)(e) && (e.Terminating || e.Deleted) })
			back := first(deleted, func(e judge.PodEvent) bool { return web(2)(e) && e.Healthy() })
			created4 := first(0, web(4))
			Expect(back).To(BeNumerically("<", len(events)), "the watch never showed web-2 deleted and Ready again")
			Expect(created4).To(BeNumerically(">", deleted), "web-4 existed before web-2 was deleted: the fault came too late to test anything")
			Expect(created4).To(BeNumerically(">", back), "web-4 was created before web-2 was Ready again")
			enter(record.PhaseJudging)
			pods.judged(ordering(record.CheckCreation, initial))
		})

	It("reports misordering for a Parallel StatefulSet (control: the ordering checker detects it)",
		SpecTimeout(10*time.Minute), func(ctx SpecContext) {
			ns, pods, initial := watchedWeb(ctx, 1, appsv1.ParallelPodManagement)

			By("scaling 1 → 5 with podManagementPolicy Parallel")
			Expect(statefulset.Scale(ctx, env.client, ns, 5, flags.readyTimeout)).To(Succeed())
			pods.waitUntil(ctx, "5 Ready pods", webPods(0, 5), judge.PodEvent.Healthy)
			negativeControl()
			enter(record.PhaseJudging)
			j := pods.judge(ordering(record.CheckCreation, initial))
			Expect(j.Outcome).To(Equal(record.Fail), "Parallel created pods 1..4 without waiting, yet the checker saw no violation")
			Expect(judge.CheckOrderedCreation(pods.Events(), statefulset.Name, initial).Created).To(Equal(4), "scaling 1 → 5 must create web-1..web-4 once each")
		})

	It("rolls out a template change from the highest ordinal down, each pod Ready before the next, and only at or above the partition",
		SpecTimeout(10*time.Minute), func(ctx SpecContext) {
			ns, pods, initial := watchedWeb(ctx, 3, appsv1.OrderedReadyPodManagement)

			By("rolling out with partition 2: only web-2 may change")
			update, err := statefulset.RollOut(ctx, env.client, ns, "1", 2, flags.readyTimeout)
			Expect(err).NotTo(HaveOccurred())
			pods.waitUntil(ctx, "web-2 Ready at the update revision", webPods(2, 3), atRevision(update))
			pods.judged(rollingUpdate(initial, update, 2))
			Expect(judge.CheckRollingUpdate(pods.Events(), statefulset.Name, initial, update, 2).Terminated).To(Equal(1), "partition 2 must replace web-2 only")

			By("lowering the partition to 0: web-1, then web-0")
			update, err = statefulset.RollOut(ctx, env.client, ns, "1", 0, flags.readyTimeout)
			Expect(err).NotTo(HaveOccurred())
			pods.waitUntil(ctx, "every pod Ready at the update revision", webPods(0, 3), atRevision(update))
			enter(record.PhaseJudging)
			pods.judged(rollingUpdate(initial, update, 0))
			Expect(judge.CheckRollingUpdate(pods.Events(), statefulset.Name, initial, update, 0).Terminated).To(Equal(3), "each of the 3 pods must have been replaced exactly once")
		})
})

// deployWeb deploys the StatefulSet conformance fixture with p on s (its namespace, nodes and
// StorageClass). Each pod's first readiness probe comes 3 s after start, so that a pod created
// before its predecessor is Ready cannot go unseen.
func deployWeb(ctx context.Context, s site, p statefulset.Params) {
	p.Namespace, p.StorageClass, p.Nodes = s.ns, s.storageClass, s.nodes
	p.Image, p.ReadyDelaySeconds = env.images.Workload(redis.Image.Name), 3
	By(fmt.Sprintf("deploying StatefulSet web (%d replicas, %s) on StorageClass %s", p.Replicas, p.PodManagementPolicy, p.StorageClass))
	Expect(statefulset.Deploy(ctx, env.client, p, flags.readyTimeout)).To(Succeed())
}

// watchedWeb deploys the fixture with replicas pods and policy on a fresh site of one leased
// node, and starts a watch on its pods; initial is the number of events of the watch's initial
// list.
func watchedWeb(ctx context.Context, replicas int, policy appsv1.PodManagementPolicyType) (ns string, pods *podWatch, initial int) {
	s := newSite(ctx, "statefulset", 1, false)
	ns = s.ns
	deployWeb(ctx, s, statefulset.Params{Replicas: replicas, PodManagementPolicy: policy})
	pods = watchPods(ctx, ns, statefulset.Selector)
	return ns, pods, len(pods.Events())
}

// ordering is the ordering check (record.CheckCreation or CheckDeletion) of the fixture's
// StatefulSet over the watch after its first initial events.
func ordering(check string, initial int) record.WatchCheck {
	return record.WatchCheck{Judge: record.JudgeOrdering, Check: check, StatefulSet: statefulset.Name, Initial: initial}
}

// rollingUpdate is the rolling-update check of the fixture's StatefulSet towards revision update
// with partition, over the watch after its first initial events.
func rollingUpdate(initial int, update string, partition int) record.WatchCheck {
	c := ordering(record.CheckRollingUpdate, initial)
	c.Update, c.Partition = update, partition
	return c
}

// webPods returns the names of the fixture's pods with ordinals from..to-1.
func webPods(from, to int) []string {
	var names []string
	for k := from; k < to; k++ {
		names = append(names, statefulset.PodName(k))
	}
	return names
}

// atRevision accepts a pod state that is Ready at the given controller revision.
func atRevision(revision string) func(judge.PodEvent) bool {
	return func(e judge.PodEvent) bool { return e.Healthy() && e.Revision == revision }
}

// podDeleteKind and newPodDelete are the registered graceful pod delete.
var podDeleteKind, _, newPodDelete = registered(poddelete.Name, "")
