//go:build e2e

package suites

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/fixtures/workloads/statefulset"
	"github.com/stateproof/stateproof/reports/check"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/record"
)

// persistentVolumeClaimRetentionPolicy (KEP-1847, StatefulSetAutoDeletePVC, GA in 1.32;
// https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention):
// whenScaled says whether the PVCs of the pods a scale-down removes are deleted, whenDeleted the
// same for all PVCs when the StatefulSet is deleted. The controller implements Delete by making
// the pod (whenScaled) or the StatefulSet (whenDeleted) an owner of the PVC, so that the garbage
// collector deletes it; Retain leaves no such owner. A retained PVC is mounted again by the pod
// of the same ordinal when the StatefulSet scales back up: each fixture pod refuses to become
// Ready on a volume another ordinal wrote, so Ready proves the data stayed with its identity.
var _ = Describe("StatefulSet", Label("conformance:statefulset"), func() {
	DescribeTable("applies persistentVolumeClaimRetentionPolicy", Label(check.PVCRetention.Label()),
		func(ctx SpecContext, policy appsv1.PersistentVolumeClaimRetentionPolicyType) {
			s := newSite(ctx, "statefulset", 1, false)
			ns := s.ns
			deployWeb(ctx, s, statefulset.Params{Replicas: 3, PodManagementPolicy: appsv1.OrderedReadyPodManagement,
				WhenScaled: policy, WhenDeleted: policy})
			pods := watchPods(ctx, ns, statefulset.Selector)
			enter(record.PhaseJudging)
			retentionApplied(ctx, ns, pods, policy)
		},
		Entry("Retain: PVCs and their data stay with their ordinals", appsv1.RetainPersistentVolumeClaimRetentionPolicyType, SpecTimeout(10*time.Minute)),
		Entry("Delete: PVCs go with their pods and with the StatefulSet", appsv1.DeletePersistentVolumeClaimRetentionPolicyType, SpecTimeout(10*time.Minute)),
	)
})

// retentionApplied scales the fixture 3 → 1 → 3 and deletes it, judging after each step that
// policy was applied to the PVCs (record.CheckRetention: kept with their PVs for Retain,
// deleted for Delete). A claim that must be gone gets the ready timeout to go; one that must be
// kept must be kept at once.
func retentionApplied(ctx context.Context, ns string, pods *podWatch, policy appsv1.PersistentVolumeClaimRetentionPolicyType) {
	retain := policy == appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	var before []record.ClaimReading
	for k := range 3 {
		c, err := claimReading(ctx, ns, statefulset.ClaimName(k), true)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.VolumeUID).NotTo(BeEmpty(), "PVC %s/%s is not bound", ns, c.Name)
		before = append(before, record.ClaimReading{Name: c.Name, PreviousVolumeUID: c.VolumeUID})
	}
	step := func(step string, claims []record.ClaimReading) {
		GinkgoHelper()
		limit := flags.readyTimeout
		if retain || step == record.StepScaleUp {
			limit = 0
		}
		var names []string
		for _, c := range claims {
			names = append(names, c.Name)
		}
		o := record.Observation{Judge: record.JudgeStorage, Check: record.CheckRetention, Policy: string(policy), Step: step, Claims: claims}
		observe(ctx, o, limit, readClaims(ns, true, names...), nil)
	}

	By("scaling 3 → 1 with whenScaled: " + string(policy))
	Expect(statefulset.Scale(ctx, env.client, ns, 1, flags.readyTimeout)).To(Succeed())
	pods.waitUntil(ctx, "web-1 and web-2 deleted", webPods(1, 3), func(e judge.PodEvent) bool { return e.Deleted })
	step(record.StepScaleDown, before[1:])

	By("scaling 1 → 3")
	Expect(statefulset.Scale(ctx, env.client, ns, 3, flags.readyTimeout)).To(Succeed())
	step(record.StepScaleUp, before[1:])

	By("deleting the StatefulSet with whenDeleted: " + string(policy))
	Expect(env.client.Clientset.AppsV1().StatefulSets(ns).Delete(ctx, statefulset.Name, metav1.DeleteOptions{})).To(Succeed())
	pods.waitUntil(ctx, "every pod deleted", webPods(0, 3), func(e judge.PodEvent) bool { return e.Deleted })
	step(record.StepDelete, before)
}
