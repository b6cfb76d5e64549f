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
	"github.com/stateproof/stateproof/fixtures/statefulset"
	"github.com/stateproof/stateproof/suites/judge"
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
			ns := namespace(ctx, "statefulset")
			deployWeb(ctx, statefulset.Params{Namespace: ns, Replicas: 1, PodManagementPolicy: appsv1.OrderedReadyPodManagement})
			pods := watchPods(ctx, ns, statefulset.Selector)
			initial := len(pods.Events())

			By("scaling 1 → 5")
			Expect(statefulset.Scale(ctx, env.client, ns, 5, flags.readyTimeout)).To(Succeed())
			created := judge.CheckOrderedCreation(pods.Events(), statefulset.Name, initial)
			AddReportEntry("creation order verdict", created)
			Expect(created.Err()).NotTo(HaveOccurred())

			By("scaling 5 → 1")
			Expect(statefulset.Scale(ctx, env.client, ns, 1, flags.readyTimeout)).To(Succeed())
			waitPodsGone(ctx, pods, 1, 5)
			removed := judge.CheckOrderedDeletion(pods.Events(), statefulset.Name, initial)
			AddReportEntry("deletion order verdict", removed)
			Expect(removed.Err()).NotTo(HaveOccurred())
		})

	It("does not create the next pod before a pod deleted during scale-up is Ready again (OrderedReady)",
		Label("fault:pod-delete"), SpecTimeout(10*time.Minute), func(ctx SpecContext) {
			ns := namespace(ctx, "statefulset")
			deployWeb(ctx, statefulset.Params{Namespace: ns, Replicas: 2, PodManagementPolicy: appsv1.OrderedReadyPodManagement})
			pods := watchPods(ctx, ns, statefulset.Selector)
			initial := len(pods.Events())

			// web-3 is pending (created, not Ready for its first 3 s) when web-2 is deleted, so the
			// controller's decision to create web-3 came before the fault.
			By("scaling 2 → 5 and deleting " + statefulset.PodName(2) + " while " + statefulset.PodName(3) + " is pending")
			Expect(statefulset.SetReplicas(ctx, env.client, ns, 5)).To(Succeed())
			Eventually(func() []judge.PodEvent { return pods.Events() }).WithContext(ctx).WithTimeout(flags.readyTimeout).
				Should(ContainElement(HaveField("Pod", statefulset.PodName(3))), "%s was never created", statefulset.PodName(3))
			inject(ctx, &poddelete.Fault{Client: env.client, RecreateTimeout: flags.readyTimeout},
				faults.Target{Namespace: ns, Pod: statefulset.PodName(2)})
			Expect(env.client.WaitStatefulSetReady(ctx, ns, statefulset.Name, flags.readyTimeout)).To(Succeed())

			created := judge.CheckOrderedCreation(pods.Events(), statefulset.Name, initial)
			AddReportEntry("creation order verdict", created)
			Expect(created.Err()).NotTo(HaveOccurred())
		})

	It("reports misordering for a Parallel StatefulSet (control: the ordering checker detects it)",
		SpecTimeout(10*time.Minute), func(ctx SpecContext) {
			ns := namespace(ctx, "statefulset")
			deployWeb(ctx, statefulset.Params{Namespace: ns, Replicas: 1, PodManagementPolicy: appsv1.ParallelPodManagement})
			pods := watchPods(ctx, ns, statefulset.Selector)
			initial := len(pods.Events())

			By("scaling 1 → 5 with podManagementPolicy Parallel")
			Expect(statefulset.Scale(ctx, env.client, ns, 5, flags.readyTimeout)).To(Succeed())
			created := judge.CheckOrderedCreation(pods.Events(), statefulset.Name, initial)
			AddReportEntry("creation order verdict", created)
			Expect(created.Err()).To(HaveOccurred(), "Parallel created pods 1..4 without waiting, yet the checker saw no violation")
			Expect(created.Violations).NotTo(BeEmpty())
		})

	It("rolls out a template change from the highest ordinal down, each pod Ready before the next, and only at or above the partition",
		SpecTimeout(10*time.Minute), func(ctx SpecContext) {
			ns := namespace(ctx, "statefulset")
			deployWeb(ctx, statefulset.Params{Namespace: ns, Replicas: 3, PodManagementPolicy: appsv1.OrderedReadyPodManagement})
			pods := watchPods(ctx, ns, statefulset.Selector)
			initial := len(pods.Events())

			By("rolling out with partition 2: only web-2 may change")
			update, err := statefulset.RollOut(ctx, env.client, ns, "1", 2, flags.readyTimeout)
			Expect(err).NotTo(HaveOccurred())
			partial := judge.CheckRollingUpdate(pods.Events(), statefulset.Name, initial, update, 2)
			AddReportEntry("rolling update verdict, partition 2", partial)
			Expect(partial.Err()).NotTo(HaveOccurred())

			By("lowering the partition to 0: web-1, then web-0")
			update, err = statefulset.RollOut(ctx, env.client, ns, "1", 0, flags.readyTimeout)
			Expect(err).NotTo(HaveOccurred())
			full := judge.CheckRollingUpdate(pods.Events(), statefulset.Name, initial, update, 0)
			AddReportEntry("rolling update verdict, partition 0", full)
			Expect(full.Err()).NotTo(HaveOccurred())
			Expect(full.Terminated).To(Equal(3), "each of the 3 pods must have been replaced exactly once")
		})
})

// deployWeb deploys the StatefulSet conformance fixture on the StorageClass under test. Each
// pod's first readiness probe comes 3 s after start, so that a pod created before its
// predecessor is Ready cannot go unseen.
func deployWeb(ctx context.Context, p statefulset.Params) {
	p.StorageClass, p.Image, p.ReadyDelaySeconds = flags.storageClass, env.images.Redis, 3
	By(fmt.Sprintf("deploying StatefulSet web (%d replicas, %s) on StorageClass %s", p.Replicas, p.PodManagementPolicy, p.StorageClass))
	Expect(statefulset.Deploy(ctx, env.client, p, flags.readyTimeout)).To(Succeed())
}

// waitPodsGone waits until the watch has seen the pods with ordinals from..to-1 deleted.
func waitPodsGone(ctx context.Context, pods *podWatch, from, to int) {
	Eventually(func() []string {
		exists := map[string]bool{}
		for _, e := range pods.Events() {
			exists[e.Pod] = !e.Deleted
		}
		var left []string
		for k := from; k < to; k++ {
			if exists[statefulset.PodName(k)] {
				left = append(left, statefulset.PodName(k))
			}
		}
		return left
	}).WithContext(ctx).WithTimeout(flags.readyTimeout).Should(BeEmpty(), "pods not deleted after scaling down")
}
