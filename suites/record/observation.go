package record

import (
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The conditions an Observation judges. Each is decided by JudgeObservation from the reading
// alone.
const (
	// CheckClaimBound: the PVC is Bound (status.phase), within the time limit.
	CheckClaimBound = "claim-bound"
	// CheckPodReady: the pod is Ready and not being deleted.
	CheckPodReady = "pod-ready"
	// CheckAccessModes: a PVC asking for ReadWriteOnce is Bound; the claims asking for the other
	// modes are read and reported, not judged.
	CheckAccessModes = "access-modes"
	// CheckReclaimed: the PV of a deleted claim is what its reclaimPolicy makes it: gone
	// (Delete) or phase Released (Retain)
	// (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reclaiming).
	CheckReclaimed = "reclaimed"
	// CheckCapacity: the PVC's status.capacity reached the requested size (expansion done, file
	// system included; https://kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims).
	CheckCapacity = "capacity"
	// CheckRetention: a StatefulSet's PVCs after a step of scaling or deletion are what its
	// persistentVolumeClaimRetentionPolicy makes them (KEP-1847).
	CheckRetention = "claims-retained"
	// CheckStatefulSetReady: the StatefulSet observed its latest spec and every replica is Ready.
	CheckStatefulSetReady = "statefulset-ready"
)

// The steps of a CheckRetention observation.
const (
	// StepScaleDown: the claims of the ordinals a scale-down removed, once their pods are gone
	// (whenScaled).
	StepScaleDown = "scale-down"
	// StepScaleUp: the claims of the same ordinals once the StatefulSet is scaled back up.
	StepScaleUp = "scale-up"
	// StepDelete: every claim once the StatefulSet and its pods are deleted (whenDeleted).
	StepDelete = "delete"
)

// Observation is one judgement made from a condition the spec waited for: which check, its
// parameters, and the last reading the wait took (the first that met the condition, or the one
// at the time limit). The suites poll until JudgeObservation passes on a reading or the limit is
// reached; `stateproof judge` re-runs JudgeObservation on the recorded reading.
type Observation struct {
	// Judge is the judge decided (JudgeStorage, or JudgeRecovery for CheckStatefulSetReady).
	Judge Judge `json:"judge"`
	// Check is one of the Check constants of this file.
	Check string `json:"check"`
	// Seconds is how long the wait had run when the reading was taken; LimitSeconds is its
	// limit (0: one reading, the condition must hold at once), both in seconds.
	Seconds      float64 `json:"seconds"`
	LimitSeconds float64 `json:"limitSeconds"`
	// Claims are the PVCs read: one for CheckClaimBound and CheckCapacity, one per access mode
	// (ReadWriteOnce first) for CheckAccessModes, one per ordinal for CheckRetention.
	Claims []ClaimReading `json:"claims,omitempty"`
	// Volume is the PV read (CheckReclaimed).
	Volume *VolumeReading `json:"volume,omitempty"`
	// Pod is the pod read (CheckPodReady).
	Pod *PodReading `json:"pod,omitempty"`
	// StatefulSet is the StatefulSet read (CheckStatefulSetReady).
	StatefulSet *StatefulSetReading `json:"statefulSet,omitempty"`
	// Want is the requested size (CheckCapacity), a Kubernetes quantity such as "2Gi".
	Want string `json:"want,omitempty"`
	// Policy is the PV's reclaimPolicy (CheckReclaimed) or the StatefulSet's retention policy
	// (CheckRetention): Delete or Retain.
	Policy string `json:"policy,omitempty"`
	// Step is the retention step (CheckRetention): StepScaleDown, StepScaleUp or StepDelete.
	Step string `json:"step,omitempty"`
	// Diagnosis is what the wait gathered when the limit was reached (events, pod states):
	// quoted in the failure message, never judged.
	Diagnosis string `json:"diagnosis,omitempty"`
}

// ClaimReading is a PVC as read from the API.
type ClaimReading struct {
	// Name is the PVC's name; Found is false when it does not exist.
	Name  string `json:"name"`
	Found bool   `json:"found"`
	// Phase is status.phase; AccessMode the first of spec.accessModes.
	Phase      string `json:"phase,omitempty"`
	AccessMode string `json:"accessMode,omitempty"`
	// Capacity is status.capacity.storage (a quantity, "" when unset).
	Capacity string `json:"capacity,omitempty"`
	// Deleting says metadata.deletionTimestamp is set; Owners counts metadata.ownerReferences
	// (an owner makes the garbage collector delete the PVC with it).
	Deleting bool `json:"deleting,omitempty"`
	Owners   int  `json:"owners,omitempty"`
	// VolumeName is spec.volumeName; VolumeUID the bound PV's UID (read when asked).
	VolumeName string `json:"volumeName,omitempty"`
	VolumeUID  string `json:"volumeUID,omitempty"`
	// PreviousVolumeUID is the UID of the PV the claim was bound to before the step
	// (CheckRetention).
	PreviousVolumeUID string `json:"previousVolumeUID,omitempty"`
	// Refused is the message of the provisioner's last ProvisioningFailed event, if any.
	Refused string `json:"refused,omitempty"`
}

// VolumeReading is a PV as read from the API.
type VolumeReading struct {
	// Name is the PV's name; Found is false when it does not exist; Phase is status.phase.
	Name  string `json:"name"`
	Found bool   `json:"found"`
	Phase string `json:"phase,omitempty"`
}

// PodReading is a pod as read from the API.
type PodReading struct {
	// Name is the pod's name; Found is false when it does not exist.
	Name  string `json:"name"`
	Found bool   `json:"found"`
	// Ready is the pod's Ready condition; Deleting says metadata.deletionTimestamp is set.
	Ready    bool `json:"ready,omitempty"`
	Deleting bool `json:"deleting,omitempty"`
}

// StatefulSetReading is a StatefulSet as read from the API.
type StatefulSetReading struct {
	// Name is the StatefulSet's name; Found is false when it does not exist.
	Name  string `json:"name"`
	Found bool   `json:"found"`
	// Generation is metadata.generation, ObservedGeneration status.observedGeneration.
	Generation         int64 `json:"generation,omitempty"`
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Want is spec.replicas (1 when unset); Replicas and ReadyReplicas the status counts.
	Want          int32 `json:"want,omitempty"`
	Replicas      int32 `json:"replicas,omitempty"`
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
}

// JudgeObservation judges o from its reading: nil error (pass) when o.Check's condition holds
// (and, for CheckClaimBound, within the limit). A check it does not know, or a reading missing
// for the check, is undecided, naming what is wrong. A failure's message quotes o.Diagnosis.
func JudgeObservation(o Observation) Judgement {
	err := o.condition()
	if err != nil && !errors.Is(err, ErrUndecided) && o.Diagnosis != "" {
		err = fmt.Errorf("%w%s", err, o.Diagnosis)
	}
	return Judged(o.Judge, err)
}

// Observe records o on s with its judgement (JudgeObservation), returned, and the figure it
// measures: BindSeconds from the first CheckClaimBound observation (as Rejudge recomputes it).
func (s *Spec) Observe(o Observation) Judgement {
	j := JudgeObservation(o)
	s.Observations = append(s.Observations, o)
	s.Add(j)
	s.Figures.BindSeconds = bindSeconds(s.Observations, s.Figures.BindSeconds)
	return j
}

// bindSeconds is the first CheckClaimBound observation's Seconds, else def.
func bindSeconds(obs []Observation, def *float64) *float64 {
	for _, o := range obs {
		if o.Check == CheckClaimBound {
			return ptr(o.Seconds)
		}
	}
	return def
}

// Met says whether o's condition holds on its reading (JudgeObservation passes): the suites
// poll until it does.
func (o Observation) Met() bool { return o.condition() == nil }

// condition is o's check on its reading, without the diagnosis.
func (o Observation) condition() error {
	after := fmt.Sprintf("after %gs", o.Seconds)
	switch o.Check {
	case CheckClaimBound:
		if len(o.Claims) != 1 {
			return o.missing("one PVC")
		}
		c := o.Claims[0]
		if err := bound(c, after); err != nil {
			return err
		}
		if o.LimitSeconds > 0 && o.Seconds > o.LimitSeconds {
			return fmt.Errorf("PVC %s Bound after %gs, the limit is %gs", c.Name, o.Seconds, o.LimitSeconds)
		}
		return nil
	case CheckPodReady:
		if o.Pod == nil {
			return o.missing("the pod")
		}
		p := o.Pod
		switch {
		case !p.Found:
			return fmt.Errorf("pod %s not found %s", p.Name, after)
		case p.Deleting:
			return fmt.Errorf("pod %s is being deleted %s", p.Name, after)
		case !p.Ready:
			return fmt.Errorf("pod %s not Ready %s", p.Name, after)
		}
		return nil
	case CheckAccessModes:
		if len(o.Claims) == 0 || o.Claims[0].AccessMode != string(corev1.ReadWriteOnce) {
			return o.missing("a ReadWriteOnce PVC first")
		}
		if got := Offered(o.Claims[0], after); got != "offered" {
			return fmt.Errorf("ReadWriteOnce is %s: the reference workloads need it", got)
		}
		return nil
	case CheckReclaimed:
		if o.Volume == nil {
			return o.missing("the PV")
		}
		return reclaimed(*o.Volume, o.Policy, after)
	case CheckCapacity:
		if len(o.Claims) != 1 {
			return o.missing("one PVC")
		}
		return capacity(o.Claims[0], o.Want, after)
	case CheckRetention:
		if len(o.Claims) == 0 {
			return o.missing("the StatefulSet's PVCs")
		}
		var errs []error
		for _, c := range o.Claims {
			errs = append(errs, retained(c, o.Policy, o.Step))
		}
		return errors.Join(errs...)
	case CheckStatefulSetReady:
		if o.StatefulSet == nil {
			return o.missing("the StatefulSet")
		}
		s := o.StatefulSet
		switch {
		case !s.Found:
			return fmt.Errorf("StatefulSet %s not found %s", s.Name, after)
		case s.ObservedGeneration < s.Generation:
			return fmt.Errorf("StatefulSet %s has not observed generation %d %s (observed %d)", s.Name, s.Generation, after, s.ObservedGeneration)
		case s.ReadyReplicas != s.Want || s.Replicas != s.Want:
			return fmt.Errorf("StatefulSet %s has %d/%d replicas Ready (%d exist) %s", s.Name, s.ReadyReplicas, s.Want, s.Replicas, after)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown observation check %q (want %s, %s, %s, %s, %s, %s or %s)", ErrUndecided, o.Check,
		CheckClaimBound, CheckPodReady, CheckAccessModes, CheckReclaimed, CheckCapacity, CheckRetention, CheckStatefulSetReady)
}

// missing is the undecided error of an observation whose reading lacks what its check reads.
func (o Observation) missing(what string) error {
	return fmt.Errorf("%w: the %s observation holds no reading of %s", ErrUndecided, o.Check, what)
}

// Offered says what a claim's reading shows of its access mode: "offered" when it is Bound,
// else "not offered: " and the provisioner's refusal or the claim's phase; after says when the
// reading was taken ("after 30s").
func Offered(c ClaimReading, after string) string {
	switch {
	case c.Found && c.Phase == string(corev1.ClaimBound):
		return "offered"
	case c.Refused != "":
		return "not offered: " + c.Refused
	case !c.Found:
		return "not offered: PVC " + c.Name + " not found " + after
	}
	return fmt.Sprintf("not offered: PVC %s not Bound %s (phase %s)", c.Name, after, c.Phase)
}

func bound(c ClaimReading, after string) error {
	switch {
	case !c.Found:
		return fmt.Errorf("PVC %s not found %s", c.Name, after)
	case c.Phase != string(corev1.ClaimBound):
		return fmt.Errorf("PVC %s not Bound %s (phase %s)", c.Name, after, c.Phase)
	}
	return nil
}

func reclaimed(v VolumeReading, policy, after string) error {
	seen := "deleted"
	if v.Found {
		seen = "phase " + v.Phase
	}
	switch corev1.PersistentVolumeReclaimPolicy(policy) {
	case corev1.PersistentVolumeReclaimDelete:
		if !v.Found {
			return nil
		}
	case corev1.PersistentVolumeReclaimRetain:
		if v.Found && v.Phase == string(corev1.VolumeReleased) {
			return nil
		}
	default:
		return fmt.Errorf("%w: reclaimPolicy %q is not judged (want Delete or Retain)", ErrUndecided, policy)
	}
	return fmt.Errorf("PV %s with reclaimPolicy %s: %s %s", v.Name, policy, seen, after)
}

func capacity(c ClaimReading, want, after string) error {
	w, err := resource.ParseQuantity(want)
	if err != nil {
		return fmt.Errorf("%w: requested size %q: %w", ErrUndecided, want, err)
	}
	if !c.Found {
		return fmt.Errorf("PVC %s not found %s", c.Name, after)
	}
	got := resource.Quantity{}
	if c.Capacity != "" {
		if got, err = resource.ParseQuantity(c.Capacity); err != nil {
			return fmt.Errorf("%w: PVC %s capacity %q: %w", ErrUndecided, c.Name, c.Capacity, err)
		}
	}
	if got.Cmp(w) < 0 {
		return fmt.Errorf("PVC %s capacity %s %s, want %s", c.Name, got.String(), after, w.String())
	}
	return nil
}

// retained judges one claim after a retention step: see CheckRetention and the Step constants.
func retained(c ClaimReading, policy, step string) error {
	var retain bool
	switch appsv1.PersistentVolumeClaimRetentionPolicyType(policy) {
	case appsv1.RetainPersistentVolumeClaimRetentionPolicyType:
		retain = true
	case appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
	default:
		return fmt.Errorf("%w: retention policy %q is not judged (want Retain or Delete)", ErrUndecided, policy)
	}
	kept := func() error {
		switch {
		case !c.Found:
			return fmt.Errorf("PVC %s was not retained", c.Name)
		case c.Deleting:
			return fmt.Errorf("PVC %s is being deleted", c.Name)
		case c.Owners > 0:
			return fmt.Errorf("PVC %s has %d owner(s) that would have it garbage-collected", c.Name, c.Owners)
		case c.PreviousVolumeUID != "" && c.VolumeUID != c.PreviousVolumeUID:
			return fmt.Errorf("PVC %s is bound to PV %s, not to its PV %s", c.Name, c.VolumeUID, c.PreviousVolumeUID)
		}
		return nil
	}
	switch step {
	case StepScaleDown, StepDelete:
		if retain {
			return kept()
		}
		if c.Found {
			return fmt.Errorf("PVC %s was not deleted (%s with policy Delete)", c.Name, step)
		}
		return nil
	case StepScaleUp:
		switch {
		case !c.Found || c.VolumeUID == "":
			return fmt.Errorf("PVC %s is not bound after the scale-up", c.Name)
		case retain && c.VolumeUID != c.PreviousVolumeUID:
			return fmt.Errorf("PVC %s came back with another volume (PV %s, was %s)", c.Name, c.VolumeUID, c.PreviousVolumeUID)
		case !retain && c.VolumeUID == c.PreviousVolumeUID:
			return fmt.Errorf("PVC %s got its deleted volume back (PV %s)", c.Name, c.VolumeUID)
		}
		return nil
	}
	return fmt.Errorf("%w: retention step %q is not judged (want %s, %s or %s)", ErrUndecided, step, StepScaleDown, StepScaleUp, StepDelete)
}
