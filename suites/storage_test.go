//go:build e2e

package suites

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/fixtures/workloads/redis"
	"github.com/stateproof/stateproof/fixtures/workloads/volume"
	"github.com/stateproof/stateproof/reports/check"
	"github.com/stateproof/stateproof/suites/record"
)

// bindLimit is how long a PVC may take to be Bound once its consumer pod exists: the
// provisioning check's time limit.
const bindLimit = 2 * time.Minute

// optionalModeLimit is how long the access modes other than ReadWriteOnce may take to bind once
// ReadWriteOnce has.
const optionalModeLimit = 30 * time.Second

// The StorageClass itself, outside any workload: provisioning, access modes, reclaim policy and
// volume expansion (https://kubernetes.io/docs/concepts/storage/persistent-volumes/,
// https://kubernetes.io/docs/concepts/storage/storage-classes/).
var _ = Describe("StorageClass", Label("conformance:storage"), func() {
	It("binds a PVC for a consumer pod within the time limit", Label(check.Provisioning.Label()), SpecTimeout(5*time.Minute), func(ctx SpecContext) {
		c := claim(newSite(ctx, "storage", 1, false), "provisioned", corev1.ReadWriteOnce)
		ns := c.Namespace
		start := time.Now()
		Expect(volume.Create(ctx, env.client.Clientset, c)).To(Succeed())
		enter(record.PhaseJudging)
		_, err := volume.WaitBound(ctx, env.client.Clientset, ns, c.Name, bindLimit)
		observed(ctx, record.JudgeStorage, err)
		bind := time.Since(start).Seconds()
		recorded(func(r *record.Spec) { r.Figures.BindSeconds = &bind })
		AddReportEntry("bind seconds", bind)
		_, err = env.client.WaitPodReady(ctx, ns, c.Pod(), flags.readyTimeout, nil)
		if err != nil {
			err = fmt.Errorf("the PVC is Bound but the pod that mounts it never became Ready: %w", err)
		}
		observed(ctx, record.JudgeStorage, err)
	})

	It("offers ReadWriteOnce, and reports which other access modes it offers", Label(check.AccessModes.Label()), SpecTimeout(5*time.Minute), func(ctx SpecContext) {
		s := newSite(ctx, "storage", 1, false)
		ns := s.ns
		modes := []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadWriteOncePod, corev1.ReadWriteMany, corev1.ReadOnlyMany}
		for i, m := range modes {
			Expect(volume.Create(ctx, env.client.Clientset, claim(s, fmt.Sprintf("mode-%d", i), m))).To(Succeed())
		}
		enter(record.PhaseJudging)
		// A refusal (ProvisioningFailed) ends the wait for that mode. ReadWriteOnce gets the full
		// bindLimit; the others, created at the same time, share one shorter deadline after it
		// (a provisioner that offers a mode binds it as fast as ReadWriteOnce; kind's
		// local-path leaves the others pending without an event).
		offered := map[corev1.PersistentVolumeAccessMode]string{}
		var deadline time.Time
		for i, m := range modes {
			timeout := bindLimit
			if i > 0 {
				if deadline.IsZero() {
					deadline = time.Now().Add(optionalModeLimit)
				}
				timeout = max(time.Until(deadline), time.Second)
			}
			offered[m] = "offered"
			if refused := volume.WaitOffered(ctx, env.client.Clientset, ns, fmt.Sprintf("mode-%d", i), timeout); refused != "" {
				offered[m] = "not offered: " + refused
			}
		}
		AddReportEntry("access modes", offered)
		var err error
		if got := offered[corev1.ReadWriteOnce]; got != "offered" {
			err = fmt.Errorf("ReadWriteOnce is %s: the reference workloads need it", got)
		}
		observed(ctx, record.JudgeStorage, err)
	})

	It("applies its reclaimPolicy when the PVC is deleted", Label(check.ReclaimPolicy.Label()), SpecTimeout(5*time.Minute), func(ctx SpecContext) {
		sc := storageClass(ctx)
		policy := corev1.PersistentVolumeReclaimDelete
		if sc.ReclaimPolicy != nil {
			policy = *sc.ReclaimPolicy
		}
		if policy == corev1.PersistentVolumeReclaimRecycle {
			notApplicable("reclaimPolicy Recycle is deprecated and not checked")
		}
		c, pvc := mountedClaim(ctx, "reclaimed")
		ns, pv := c.Namespace, pvc.Spec.VolumeName
		if policy == corev1.PersistentVolumeReclaimRetain {
			DeferCleanup(func(ctx context.Context) error {
				if err := env.client.Clientset.CoreV1().PersistentVolumes().Delete(ctx, pv, metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
					return err
				}
				return nil
			})
		}
		By("deleting the pod and the PVC; PV " + pv + " has reclaimPolicy " + string(policy))
		Expect(env.client.Clientset.CoreV1().Pods(ns).Delete(ctx, c.Pod(), metav1.DeleteOptions{})).To(Succeed())
		Expect(env.client.Clientset.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, c.Name, metav1.DeleteOptions{})).To(Succeed())
		enter(record.PhaseJudging)
		seen, err := volume.WaitReleased(ctx, env.client.Clientset, pv, policy, 3*time.Minute)
		AddReportEntry("pv after the claim was deleted", seen)
		observed(ctx, record.JudgeStorage, err)
	})

	It("expands a bound volume in use when it allows volume expansion", Label(check.VolumeExpansion.Label()), SpecTimeout(8*time.Minute), func(ctx SpecContext) {
		sc := storageClass(ctx)
		if sc.AllowVolumeExpansion == nil || !*sc.AllowVolumeExpansion {
			notApplicable(fmt.Sprintf("StorageClass %s does not allow volume expansion (allowVolumeExpansion unset or false)", sc.Name))
		}
		c, _ := mountedClaim(ctx, "expanded")
		ns := c.Namespace
		want := resource.MustParse("2Gi")
		By("requesting " + want.String())
		patch := fmt.Sprintf(`{"spec":{"resources":{"requests":{"storage":%q}}}}`, want.String())
		_, err := env.client.Clientset.CoreV1().PersistentVolumeClaims(ns).Patch(ctx, c.Name, "application/merge-patch+json", []byte(patch), metav1.PatchOptions{})
		Expect(err).NotTo(HaveOccurred())
		enter(record.PhaseJudging)
		observed(ctx, record.JudgeStorage, volume.WaitCapacity(ctx, env.client.Clientset, ns, c.Name, want, 5*time.Minute))
	})
})

// The power-cut row stays undecided, with the reason, rather than passed on a fault that cannot
// show it.
var _ = Describe("StorageClass", Label("conformance:storage"), func() {
	It("keeps fsynced data through a power cut", Label(check.PowerCut.Label()), func() {
		notApplicable("stateproof has no power-cut fault: killing a kind node container keeps the host's page cache, " +
			"so data not yet fsynced survives it and fsync durability cannot be told apart")
	})
})

// claim is a 1Gi claim named name on s (its namespace, nodes and StorageClass), consumed by a
// pod running the Redis image (it has sh, offline and upstream).
func claim(s site, name string, mode corev1.PersistentVolumeAccessMode) volume.Claim {
	return volume.Claim{Namespace: s.ns, Name: name, StorageClass: s.storageClass, AccessMode: mode, Size: "1Gi", Image: env.images.Workload(redis.Image.Name), Nodes: s.nodes}
}

// mountedClaim creates, in a fresh namespace, a ReadWriteOnce claim named name and its consumer
// pod, and returns once the PVC is Bound and the pod Ready.
func mountedClaim(ctx SpecContext, name string) (volume.Claim, *corev1.PersistentVolumeClaim) {
	c := claim(newSite(ctx, "storage", 1, false), name, corev1.ReadWriteOnce)
	Expect(volume.Create(ctx, env.client.Clientset, c)).To(Succeed())
	pvc, err := volume.WaitBound(ctx, env.client.Clientset, c.Namespace, c.Name, bindLimit)
	Expect(err).NotTo(HaveOccurred())
	_, err = env.client.WaitPodReady(ctx, c.Namespace, c.Pod(), flags.readyTimeout, nil)
	Expect(err).NotTo(HaveOccurred(), "the PVC is Bound but the pod that mounts it never became Ready")
	return c, pvc
}

// storageClass returns the StorageClass under test.
func storageClass(ctx context.Context) *storagev1.StorageClass {
	sc, err := env.client.Clientset.StorageV1().StorageClasses().Get(ctx, flags.storageClass, metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred())
	return sc
}
