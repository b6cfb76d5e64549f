//go:build e2e

package suites

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
			observedBy(ctx, record.JudgeStorage, func() { retentionApplied(ctx, ns, pods, policy) })
		},
		Entry("Retain: PVCs and their data stay with their ordinals", appsv1.RetainPersistentVolumeClaimRetentionPolicyType, SpecTimeout(10*time.Minute)),
		Entry("Delete: PVCs go with their pods and with the StatefulSet", appsv1.DeletePersistentVolumeClaimRetentionPolicyType, SpecTimeout(10*time.Minute)),
	)
})

// retentionApplied scales the fixture 3 → 1 → 3 and deletes it, asserting after each step that
// policy was applied to the PVCs (kept with their PVs for Retain, deleted for Delete).
func retentionApplied(ctx context.Context, ns string, pods *podWatch, policy appsv1.PersistentVolumeClaimRetentionPolicyType) {
	retain := policy == appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	pvBefore := map[int]string{}
	for k := range 3 {
		pvBefore[k] = claimedPV(ctx, ns, statefulset.ClaimName(k))
	}

	By("scaling 3 → 1 with whenScaled: " + string(policy))
	Expect(statefulset.Scale(ctx, env.client, ns, 1, flags.readyTimeout)).To(Succeed())
	pods.waitUntil(ctx, "web-1 and web-2 deleted", webPods(1, 3), func(e judge.PodEvent) bool { return e.Deleted })
	for k := 1; k < 3; k++ {
		expectClaimKept(ctx, ns, statefulset.ClaimName(k), retain, pvBefore[k])
	}

	By("scaling 1 → 3")
	Expect(statefulset.Scale(ctx, env.client, ns, 3, flags.readyTimeout)).To(Succeed())
	for k := 1; k < 3; k++ {
		pv := claimedPV(ctx, ns, statefulset.ClaimName(k))
		if retain {
			Expect(pv).To(Equal(pvBefore[k]), "%s came back with another volume", statefulset.PodName(k))
		} else {
			Expect(pv).NotTo(Equal(pvBefore[k]), "%s got its deleted volume back", statefulset.PodName(k))
		}
	}

	By("deleting the StatefulSet with whenDeleted: " + string(policy))
	Expect(env.client.Clientset.AppsV1().StatefulSets(ns).Delete(ctx, statefulset.Name, metav1.DeleteOptions{})).To(Succeed())
	pods.waitUntil(ctx, "every pod deleted", webPods(0, 3), func(e judge.PodEvent) bool { return e.Deleted })
	for k := range 3 {
		expectClaimKept(ctx, ns, statefulset.ClaimName(k), retain, "")
	}
}

// claimedPV returns the UID of the PV bound to PVC ns/name.
func claimedPV(ctx context.Context, ns, name string) string {
	pvc, err := env.client.Clientset.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred())
	Expect(pvc.Spec.VolumeName).NotTo(BeEmpty(), "PVC %s/%s is not bound", ns, name)
	pv, err := env.client.Clientset.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred())
	return string(pv.UID)
}

// expectClaimKept checks, once its pod is gone, that PVC ns/name was retained (it exists, no
// owner would have it garbage-collected, and it is still bound to the PV of UID pv when pv is
// given) or deleted (it disappears within the ready timeout).
func expectClaimKept(ctx context.Context, ns, name string, retain bool, pv string) {
	claims := env.client.Clientset.CoreV1().PersistentVolumeClaims(ns)
	if !retain {
		Eventually(func() bool {
			_, err := claims.Get(ctx, name, metav1.GetOptions{})
			return apierrors.IsNotFound(err)
		}).WithContext(ctx).WithTimeout(flags.readyTimeout).Should(BeTrue(), "PVC %s/%s was not deleted", ns, name)
		return
	}
	pvc, err := claims.Get(ctx, name, metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred(), "PVC %s/%s was not retained", ns, name)
	Expect(pvc.DeletionTimestamp).To(BeNil(), "PVC %s/%s is being deleted", ns, name)
	Expect(pvc.OwnerReferences).To(BeEmpty(), "PVC %s/%s has owners that would have it garbage-collected", ns, name)
	if pv != "" {
		Expect(claimedPV(ctx, ns, name)).To(Equal(pv))
	}
}
