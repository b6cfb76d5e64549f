// Package poddelete is the pod-delete fault: delete a StatefulSet pod through the API, either
// gracefully (the pod's terminationGracePeriodSeconds) or forcefully (grace period 0), and wait
// for the StatefulSet controller to recreate it under the same name and for it to be Ready.
package poddelete

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
)

// Fault deletes a pod and waits for its replacement.
type Fault struct {
	Client *kube.Client
	// Force deletes with grace period 0 instead of the pod's own.
	Force bool
	// RecreateTimeout bounds the wait for the replacement pod to be Ready.
	RecreateTimeout time.Duration
}

// The fault names: a graceful and a forced delete.
const (
	Name      = "pod-delete"
	ForceName = "pod-delete-force"
)

// Name returns Name or, with Force, ForceName.
func (f *Fault) Name() string {
	if f.Force {
		return ForceName
	}
	return Name
}

// Available always succeeds: deleting a pod needs only the API.
func (f *Fault) Available(context.Context) error { return nil }

// Inject deletes the target pod (preconditioned on its UID, so that only that incarnation is
// deleted) and waits for its replacement with a new UID and Ready=True: the pod of the same
// name, or with t.Selector any pod it matches (see kube.Client.WaitReplacementReady). The injection
// records both UIDs.
func (f *Fault) Inject(ctx context.Context, t faults.Target) (faults.Injection, error) {
	inj := faults.Injection{Fault: f.Name(), Target: t.String(), Observed: map[string]string{}}
	pods := f.Client.Clientset.CoreV1().Pods(t.Namespace)
	old, err := pods.Get(ctx, t.Pod, metav1.GetOptions{})
	if err != nil {
		return inj, fmt.Errorf("%s: get pod %s: %w", f.Name(), t, err)
	}
	opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &old.UID}}
	if f.Force {
		zero := int64(0)
		opts.GracePeriodSeconds = &zero
	}
	inj.Start = time.Now()
	if err := pods.Delete(ctx, t.Pod, opts); err != nil {
		return inj, fmt.Errorf("%s: delete pod %s: %w", f.Name(), t, err)
	}
	inj.Observed["oldPodUID"] = string(old.UID)
	inj.Observed["node"] = old.Spec.NodeName
	newPod, err := f.Client.WaitReplacementReady(ctx, t.Namespace, t.Pod, t.Selector, f.RecreateTimeout, func(p *corev1.Pod) bool {
		return p.UID != types.UID(old.UID) && p.DeletionTimestamp == nil
	})
	if err != nil {
		return inj, fmt.Errorf("%s: pod %s was deleted but no Ready replacement came: %w", f.Name(), t, err)
	}
	inj.End = time.Now()
	inj.Observed["newPodUID"] = string(newPod.UID)
	inj.Observed["newPod"] = newPod.Name
	inj.Observed["newNode"] = newPod.Spec.NodeName
	return inj, nil
}
