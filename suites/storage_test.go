//go:build e2e

package suites

import (
	"context"
	"fmt"
	"strings"
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
		o := waitReading(ctx, start, record.Observation{Judge: record.JudgeStorage, Check: record.CheckClaimBound}, bindLimit,
			readClaims(ns, false, c.Name), record.Observation.Met)
		judgeObservation(ctx, o, claimEvents(ns, c.Name))
		AddReportEntry("bind seconds", o.Seconds)
		observe(ctx, record.Observation{Judge: record.JudgeStorage, Check: record.CheckPodReady}, flags.readyTimeout, readPod(ns, c.Pod()),
			func(ctx context.Context) string {
				return "; the PVC is Bound but the pod that mounts it is not Ready\n" + env.client.Diagnose(ctx, ns, "metadata.name="+c.Pod())
			})
	})

	It("offers ReadWriteOnce, and reports which other access modes it offers", Label(check.AccessModes.Label()), SpecTimeout(5*time.Minute), func(ctx SpecContext) {
		s := newSite(ctx, "storage", 1, false)
		ns := s.ns
		modes := []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadWriteOncePod, corev1.ReadWriteMany, corev1.ReadOnlyMany}
		var names []string
		for i, m := range modes {
			names = append(names, fmt.Sprintf("mode-%d", i))
			Expect(volume.Create(ctx, env.client.Clientset, claim(s, names[i], m))).To(Succeed())
		}
		enter(record.PhaseJudging)
		// A refusal (ProvisioningFailed) ends the wait for a mode. ReadWriteOnce gets the full
		// bindLimit; the others, created at the same time, share one shorter limit after it (a
		// provisioner that offers a mode binds it as fast as ReadWriteOnce; kind's local-path
		// leaves the others pending without an event).
		start := time.Now()
		read := readRefusals(ns, names...)
		o := record.Observation{Judge: record.JudgeStorage, Check: record.CheckAccessModes}
		o = waitReading(ctx, start, o, bindLimit, read, func(o record.Observation) bool { return settled(o.Claims[:1]) })
		o = waitReading(ctx, start, o, optionalModeLimit, read, func(o record.Observation) bool { return settled(o.Claims) })
		o.LimitSeconds = (bindLimit + optionalModeLimit).Seconds()
		offered := map[string]string{}
		for _, c := range o.Claims {
			offered[c.AccessMode] = record.Offered(c, fmt.Sprintf("after %gs", o.Seconds))
		}
		AddReportEntry("access modes", offered)
		judgeObservation(ctx, o, claimEvents(ns, names[0]))
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
		observe(ctx, record.Observation{Judge: record.JudgeStorage, Check: record.CheckReclaimed, Policy: string(policy)}, 3*time.Minute, readVolume(pv),
			func(ctx context.Context) string {
				return volume.Events(ctx, env.client.Clientset, "", "PersistentVolume", pv)
			})
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
		observe(ctx, record.Observation{Judge: record.JudgeStorage, Check: record.CheckCapacity, Want: want.String()}, 5*time.Minute,
			readClaims(ns, false, c.Name), claimEvents(ns, c.Name))
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

// readRefusals reads the PVCs names of namespace ns (see readClaims) with, for each one not
// Bound, the message of its last ProvisioningFailed event.
func readRefusals(ns string, names ...string) reader {
	claims := readClaims(ns, false, names...)
	return func(ctx context.Context, o *record.Observation) error {
		if err := claims(ctx, o); err != nil {
			return err
		}
		for i, c := range o.Claims {
			if c.Phase == string(corev1.ClaimBound) {
				continue
			}
			list, err := env.client.Clientset.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
				FieldSelector: "involvedObject.kind=PersistentVolumeClaim,involvedObject.name=" + c.Name + ",reason=ProvisioningFailed"})
			if err != nil {
				return err
			}
			if n := len(list.Items); n > 0 {
				o.Claims[i].Refused = strings.TrimSpace(list.Items[n-1].Message)
			}
		}
		return nil
	}
}

// settled says every claim is Bound or refused by its provisioner.
func settled(claims []record.ClaimReading) bool {
	for _, c := range claims {
		if c.Phase != string(corev1.ClaimBound) && c.Refused == "" {
			return false
		}
	}
	return true
}

// storageClass returns the StorageClass under test.
func storageClass(ctx context.Context) *storagev1.StorageClass {
	sc, err := env.client.Clientset.StorageV1().StorageClasses().Get(ctx, flags.storageClass, metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred())
	return sc
}
