//go:build e2e

package suites

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/fixtures/workloads/external"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/labels"
	"github.com/stateproof/stateproof/suites/record"
)

// externalFile is the workload file of --workload-file, nil without one.
var externalFile *external.File

// registerExternal loads the workload file at path and registers its workload (external.Name):
// the data-survival table then runs it like a reference workload. The error is Load's, or says
// that the file's digest is not sha256 (when given: the file changed since certify read it).
func registerExternal(path, sha256 string) error {
	f, err := external.Load(path, faults.Names(), external.Catalogue())
	if err != nil {
		return err
	}
	if sha256 != "" && f.SHA256 != sha256 {
		return fmt.Errorf("workload file %s: its SHA-256 is %s, not %s as recorded when the run started: it changed", path, f.SHA256, sha256)
	}
	w, err := external.Workload(f)
	if err != nil {
		return err
	}
	workloads.Register(w)
	externalFile = f
	return nil
}

// An external workload declared scalable is scaled up by 2 and back: its StatefulSet's pods
// must be created and deleted in ordinal order, each after its predecessors are Ready
// (OrderedReady; see statefulset_test.go). A negative control (Parallel) must be caught.
var _ = Describe("External workload", func() {
	w, ok := workloads.Lookup(external.Name)
	if !ok || !externalFile.Spec.Scalable {
		return
	}
	f := externalFile
	ls := []string{w.Label()}
	if w.Control {
		ls = append(ls, labels.Negative)
	}
	It(fmt.Sprintf("%s scales up and down in ordinal order", w.Title), Label(ls...), SpecTimeout(15*time.Minute), func(ctx SpecContext) {
		target := deployOnce(ctx, w, w.Nodes, false).ensure(ctx)
		ns, sts := target.Namespace, f.Spec.StatefulSet
		n, selector, claims := liveStatefulSet(ctx, ns, sts)
		if w.Unpinned { // an existing StatefulSet is the user's: scaled back whatever happens
			created := newClaims(ctx, ns, sts, claims, n, n+2)
			DeferCleanup(func(ctx context.Context) {
				Expect(env.client.ScaleStatefulSet(ctx, ns, sts, n, flags.readyTimeout)).To(Succeed(), "scaling %s/%s back to %d", ns, sts, n)
				// The added pods' PVCs stay after a scale-down (whenScaled: Retain, KEP-1847):
				// those this spec made go, so that the user's namespace holds what it held.
				pvcs := env.client.Clientset.CoreV1().PersistentVolumeClaims(ns)
				for _, pvc := range created {
					if err := pvcs.Delete(ctx, pvc, metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
						Expect(err).NotTo(HaveOccurred(), "deleting PVC %s/%s, made by the scale-up", ns, pvc)
					}
					// Gone once no pod uses it (kubernetes.io/pvc-protection).
					Eventually(func(ctx context.Context) error {
						_, err := pvcs.Get(ctx, pvc, metav1.GetOptions{})
						if apierrors.IsNotFound(err) {
							return nil
						}
						return fmt.Errorf("PVC %s/%s still there (%v)", ns, pvc, err)
					}).WithContext(ctx).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())
				}
			}, NodeTimeout(flags.readyTimeout+time.Minute))
		}
		pods := watchPods(ctx, ns, selector)
		initial := len(pods.Events())
		check := func(c string) record.WatchCheck {
			return record.WatchCheck{Judge: record.JudgeOrdering, Check: c, StatefulSet: sts, Initial: initial}
		}
		added := func(from, to int) []string {
			var names []string
			for k := from; k < to; k++ {
				names = append(names, fmt.Sprintf("%s-%d", sts, k))
			}
			return names
		}

		By(fmt.Sprintf("scaling %s %d → %d", sts, n, n+2))
		Expect(env.client.ScaleStatefulSet(ctx, ns, sts, n+2, flags.readyTimeout)).To(Succeed())
		pods.waitUntil(ctx, fmt.Sprintf("%d Ready pods", n+2), added(0, n+2), judge.PodEvent.Healthy)
		if w.Control {
			negativeControl()
			enter(record.PhaseJudging)
			j := pods.judge(check(record.CheckCreation))
			Expect(j.Outcome).To(Equal(record.Fail), "%s: the ordering checker saw no pod created before its predecessors were Ready", w.Title)
			return
		}
		pods.judged(check(record.CheckCreation))

		By(fmt.Sprintf("scaling %s %d → %d", sts, n+2, n))
		Expect(env.client.ScaleStatefulSet(ctx, ns, sts, n, flags.readyTimeout)).To(Succeed())
		pods.waitUntil(ctx, "the added pods deleted", added(n, n+2), func(e judge.PodEvent) bool { return e.Deleted })
		enter(record.PhaseJudging)
		pods.judged(check(record.CheckDeletion))
	})
})

// liveStatefulSet returns StatefulSet ns/name's spec.replicas (1 when unset), its pods' label
// selector and its volumeClaimTemplates names, as the cluster has them now (an existing
// StatefulSet is known only there).
func liveStatefulSet(ctx context.Context, ns, name string) (int, string, []string) {
	sts, err := env.client.Clientset.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred())
	sel, err := metav1.LabelSelectorAsSelector(sts.Spec.Selector)
	Expect(err).NotTo(HaveOccurred(), "StatefulSet %s/%s: spec.selector", ns, name)
	n := 1
	if sts.Spec.Replicas != nil {
		n = int(*sts.Spec.Replicas)
	}
	var claims []string
	for _, t := range sts.Spec.VolumeClaimTemplates {
		claims = append(claims, t.Name)
	}
	return n, sel.String(), claims
}

// newClaims returns the PVCs that scaling StatefulSet ns/sts from replicas from to to would
// create: "<template>-<sts>-<ordinal>" (the StatefulSet controller's names) for the ordinals
// from..to-1, less those that exist already.
func newClaims(ctx context.Context, ns, sts string, templates []string, from, to int) []string {
	var out []string
	for _, t := range templates {
		for k := from; k < to; k++ {
			name := fmt.Sprintf("%s-%s-%d", t, sts, k)
			_, err := env.client.Clientset.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				out = append(out, name)
				continue
			}
			Expect(err).NotTo(HaveOccurred(), "reading PVC %s/%s", ns, name)
		}
	}
	return out
}
