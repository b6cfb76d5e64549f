// Package faults defines what a fault is for stateproof: a value that can say whether it can run
// on this cluster, inject itself into a target, and record what it observed, so that a fault that
// could not be injected is an error, never a pass. One package per fault kind implements it and
// registers its kinds (Register, Kind): the registry is the one list of faults.
package faults

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Clean-up limits of a spec's faults: the NodeTimeout of the clean-up the suites register for a
// fault. A caller that interrupts the suites (stateproof certify) must give them longer than the
// sum of the limits one spec may wait for.
const (
	// RecoverTimeout bounds one fault's Recover (start the node, uncordon) in clean-up.
	RecoverTimeout = 10 * time.Minute
	// UnmarkTimeout bounds the removal of a node's fault label once it is healthy again.
	UnmarkTimeout = time.Minute
)

// Target is what a fault is aimed at.
type Target struct {
	// Namespace and Pod name the pod (for node faults: the pod whose node is faulted).
	Namespace string
	Pod       string
	// Selector is empty for a StatefulSet pod, which is replaced under the same name. For a pod
	// of a Deployment it is the label selector of the Deployment's pods: the replacement has
	// another name and is the Ready pod matching Selector with a new UID.
	Selector string
}

func (t Target) String() string { return t.Namespace + "/" + t.Pod }

// Injection records one injected fault.
type Injection struct {
	// Fault is the fault's Name().
	Fault string `json:"fault"`
	// Target is what it hit.
	Target string `json:"target"`
	// Start is when the fault began to act; End when it had visibly happened and its
	// immediate effect was over (for pod-delete: the replacement pod Ready).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Observed lists the evidence that the fault happened, as key/value pairs
	// (e.g. "oldPodUID", "newPodUID").
	Observed map[string]string `json:"observed"`
	// Evictions lists every Eviction API call a drain made, accepted or refused, in order.
	Evictions []Eviction `json:"evictions,omitempty"`
}

// Eviction is one call to the Eviction API (POST pods/<name>/eviction,
// https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/) and its answer.
type Eviction struct {
	// Pod is "namespace/name".
	Pod string `json:"pod"`
	// At is when the answer arrived.
	At time.Time `json:"at"`
	// Code is the HTTP status: 201 evicted, 429 refused because a PodDisruptionBudget allows no
	// disruption now, 404 pod already gone, 0 when no answer came (transport error).
	Code int `json:"code"`
}

// Refused reports whether a PodDisruptionBudget refused the eviction (HTTP 429 Too Many Requests).
func (e Eviction) Refused() bool { return e.Code == 429 }

// Accepted reports whether the eviction was granted (HTTP 2xx).
func (e Eviction) Accepted() bool { return e.Code >= 200 && e.Code < 300 }

// ErrRefused is wrapped by the error a fault returns when it refuses its target before doing
// anything: the node is a control-plane node or runs the harness's own pods (the in-cluster
// writer and observer), whose disruption would blind the harness. Nothing was changed then.
var ErrRefused = errors.New("refused to disrupt the harness")

// NotApplicableError says a fault cannot act on this target by design of the cluster or the
// workload (e.g. a recovery path that needs the pod to move while its volume is bound to one
// node). Suites report it as "not applicable: <reason>", never as a pass or a failure.
type NotApplicableError struct {
	// Fault is the fault's Name().
	Fault string
	// Reason says why, naming the object in the way (e.g. "volume is node-bound to worker2").
	Reason string
}

func (e *NotApplicableError) Error() string {
	return fmt.Sprintf("%s: not applicable: %s", e.Fault, e.Reason)
}

// Fault is one kind of disruption.
type Fault interface {
	// Name is the fault's label value, e.g. "pod-delete".
	Name() string
	// Available returns nil when the fault can run on this cluster, else why it cannot.
	Available(ctx context.Context) error
	// Inject performs the fault on target and returns what was observed. An error means the
	// fault did not (provably) happen.
	Inject(ctx context.Context, target Target) (Injection, error)
}

// Applicability is implemented by faults that may not apply to a given target (see
// NotApplicableError). Suites ask before starting the workload's traffic.
type Applicability interface {
	// Applicable returns nil, a *NotApplicableError, or an error reading the cluster.
	Applicable(ctx context.Context, target Target) error
}

// Recoverer is implemented by faults that leave something to undo (uncordon, start a node).
type Recoverer interface {
	// Recover undoes what Inject did (also after a failed or interrupted Inject) and returns an
	// error naming what it could not undo. It is idempotent: suites call it once as a step and
	// again in clean-up.
	Recover(ctx context.Context) error
}
