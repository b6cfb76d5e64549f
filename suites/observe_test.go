//go:build e2e

package suites

import (
	"context"
	"fmt"
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/workloads/volume"
	"github.com/stateproof/stateproof/suites/record"
)

// reader fills an observation's reading from the API. An error (the API server did not
// answer) leaves the reading as it was; a missing object is a reading (Found false), not an
// error.
type reader func(ctx context.Context, o *record.Observation) error

// observe waits (polling every second, at most limit; limit 0 takes one reading: the condition
// must hold at once) until the reading of o meets its condition (record.Observation.Met), then
// records the last reading and its judgement (record.JudgeObservation, which `stateproof judge`
// re-runs) and fails the spec unless it passed. diagnose (nil: none) adds to an unmet reading
// what was around it (events, pod states). It returns the recorded observation.
func observe(ctx context.Context, o record.Observation, limit time.Duration, read reader, diagnose func(context.Context) string) record.Observation {
	GinkgoHelper()
	o = waitReading(ctx, time.Now(), o, limit, read, record.Observation.Met)
	return judgeObservation(ctx, o, diagnose)
}

// waitReading polls read every second, for at most limit (0: once), until until holds on the
// reading, and returns the last reading, its Seconds counted from start. A spec that could not
// read once fails as a harness error.
func waitReading(ctx context.Context, start time.Time, o record.Observation, limit time.Duration, read reader, until func(record.Observation) bool) record.Observation {
	GinkgoHelper()
	o.LimitSeconds = limit.Seconds()
	var readErr error
	read1 := false
	take := func(ctx context.Context) (bool, error) {
		next := o
		if readErr = read(ctx, &next); readErr != nil {
			return false, nil
		}
		next.Seconds = math.Round(time.Since(start).Seconds()*1000) / 1000
		o, read1 = next, true
		return until(o), nil
	}
	if limit <= 0 {
		_, _ = take(ctx)
	} else {
		_ = wait.PollUntilContextTimeout(ctx, time.Second, limit, true, take)
	}
	if !read1 {
		harnessOK(readErr, "reading the "+o.Check+" observation")
	}
	return o
}

// judgeObservation records o (with diagnose's words when its condition is unmet) and its
// judgement, and fails the spec unless it passed. An unmet condition once ctx is done (the spec
// timed out or was interrupted) is no judgement: the spec fails as an error.
func judgeObservation(ctx context.Context, o record.Observation, diagnose func(context.Context) string) record.Observation {
	GinkgoHelper()
	if !o.Met() {
		if ctx.Err() != nil {
			Fail(fmt.Sprintf("%s not decided: the spec ended (%v) while it waited for %s", o.Judge, context.Cause(ctx), o.Check))
		}
		if diagnose != nil {
			o.Diagnosis = diagnose(ctx)
		}
	}
	var j record.Judgement
	recorded(func(r *record.Spec) { j = r.Observe(o) })
	if j.Judge == "" { // outside a spec: nothing recorded
		j = record.JudgeObservation(o)
	}
	failUnlessPassed([]record.Judgement{j})
	return o
}

// readClaims reads the PVCs names of namespace ns into o.Claims (keeping each one's
// PreviousVolumeUID), with the bound PV's UID when uids is set.
func readClaims(ns string, uids bool, names ...string) reader {
	return func(ctx context.Context, o *record.Observation) error {
		claims := make([]record.ClaimReading, len(names))
		for i, name := range names {
			c, err := claimReading(ctx, ns, name, uids)
			if err != nil {
				return err
			}
			if i < len(o.Claims) {
				c.PreviousVolumeUID = o.Claims[i].PreviousVolumeUID
			}
			claims[i] = c
		}
		o.Claims = claims
		return nil
	}
}

// claimReading reads PVC ns/name and, when uid is set and it is bound, its PV's UID.
func claimReading(ctx context.Context, ns, name string, uid bool) (record.ClaimReading, error) {
	c := record.ClaimReading{Name: name}
	pvc, err := env.client.Clientset.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return c, nil
	case err != nil:
		return c, err
	}
	c.Found, c.Phase, c.VolumeName = true, string(pvc.Status.Phase), pvc.Spec.VolumeName
	c.Deleting, c.Owners = pvc.DeletionTimestamp != nil, len(pvc.OwnerReferences)
	if len(pvc.Spec.AccessModes) > 0 {
		c.AccessMode = string(pvc.Spec.AccessModes[0])
	}
	if q, ok := pvc.Status.Capacity[corev1.ResourceStorage]; ok {
		c.Capacity = q.String()
	}
	if uid && c.VolumeName != "" {
		pv, err := env.client.Clientset.CoreV1().PersistentVolumes().Get(ctx, c.VolumeName, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return c, err
		}
		if err == nil {
			c.VolumeUID = string(pv.UID)
		}
	}
	return c, nil
}

// readVolume reads PV name into o.Volume.
func readVolume(name string) reader {
	return func(ctx context.Context, o *record.Observation) error {
		v := &record.VolumeReading{Name: name}
		pv, err := env.client.Clientset.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return err
		default:
			v.Found, v.Phase = true, string(pv.Status.Phase)
		}
		o.Volume = v
		return nil
	}
}

// readPod reads pod ns/name into o.Pod.
func readPod(ns, name string) reader {
	return func(ctx context.Context, o *record.Observation) error {
		p := &record.PodReading{Name: name}
		pod, err := env.client.Clientset.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return err
		default:
			p.Found, p.Ready, p.Deleting = true, kube.PodReady(pod), pod.DeletionTimestamp != nil
		}
		o.Pod = p
		return nil
	}
}

// readStatefulSet reads StatefulSet ns/name into o.StatefulSet.
func readStatefulSet(ns, name string) reader {
	return func(ctx context.Context, o *record.Observation) error {
		s := &record.StatefulSetReading{Name: name}
		sts, err := env.client.Clientset.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return err
		default:
			s.Found, s.Generation, s.ObservedGeneration = true, sts.Generation, sts.Status.ObservedGeneration
			s.Want, s.Replicas, s.ReadyReplicas = replicasOf(sts), sts.Status.Replicas, sts.Status.ReadyReplicas
		}
		o.StatefulSet = s
		return nil
	}
}

// replicasOf is spec.replicas, 1 when unset (the API's default).
func replicasOf(sts *appsv1.StatefulSet) int32 {
	if sts.Spec.Replicas == nil {
		return 1
	}
	return *sts.Spec.Replicas
}

// statefulSetReady observes (judge j) StatefulSet ns/name Ready again, within the ready
// timeout; an unmet reading is diagnosed with the pods of selector.
func statefulSetReady(ctx context.Context, j record.Judge, ns, name, selector string) {
	GinkgoHelper()
	observe(ctx, record.Observation{Judge: j, Check: record.CheckStatefulSetReady}, flags.readyTimeout, readStatefulSet(ns, name),
		func(ctx context.Context) string { return "\n" + env.client.Diagnose(ctx, ns, selector) })
}

// claimEvents diagnoses PVC ns/name with its last events.
func claimEvents(ns, name string) func(context.Context) string {
	return func(ctx context.Context) string {
		return volume.Events(ctx, env.client.Clientset, ns, "PersistentVolumeClaim", name)
	}
}
