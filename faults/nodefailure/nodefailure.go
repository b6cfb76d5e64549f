// Package nodefailure is the node-failure fault on kind: the worker node that runs the target
// pod is stopped cleanly, killed (power cut) or frozen, through its node container and the
// container runtime that kind runs it on. Proof is the Node's Ready condition leaving True.
// Recovery is one of two operator paths, each measured: the node comes back, or the node is
// declared out of service (non-graceful node shutdown, KEP-2268) so the pod moves elsewhere.
package nodefailure

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
)

// Mode is how the node fails.
type Mode string

// The three node failures.
const (
	// Stop shuts the node down cleanly: the runtime sends the node image's STOPSIGNAL
	// (SIGRTMIN+3, systemd's halt) and waits up to StopGrace before SIGKILL.
	Stop Mode = "stop"
	// Kill is a power cut: SIGKILL to the node container, no process gets to clean up.
	Kill Mode = "kill"
	// Pause freezes every process of the node (cgroup freezer): unreachable, state intact.
	Pause Mode = "pause"
)

// Recovery is the operator's path back to service.
type Recovery string

// The recovery paths.
const (
	// NodeReturns brings the node back (start or unpause its container); the pod returns on it.
	NodeReturns Recovery = "node-returns"
	// OutOfService applies the node.kubernetes.io/out-of-service=nodeshutdown:NoExecute taint
	// to the failed node, so that its pods are force-deleted and the StatefulSet recreates them
	// on another node (non-graceful node shutdown, KEP-2268, GA in 1.28:
	// https://kubernetes.io/docs/concepts/cluster-administration/node-shutdown/#non-graceful-node-shutdown),
	// then starts the node and removes the taint once it is Ready. It is not applicable to a
	// frozen node (its processes would resume) nor to a pod whose volume is bound to its node.
	OutOfService Recovery = "out-of-service"
)

// StopGrace is how long a clean stop may take before the runtime kills the node (seconds: 60).
const StopGrace = 60 * time.Second

// Fault fails the node of the target pod. Its zero timeouts take the defaults below.
type Fault struct {
	// Client reaches the cluster under test.
	Client *kube.Client
	// Mode is how the node fails: Stop, Kill or Pause.
	Mode Mode
	// Recovery is the path back: NodeReturns or OutOfService.
	Recovery Recovery
	// Cluster is the name of the kind cluster under test (e.g. "stateproof"): every Node's
	// providerID must name it. Empty: any cluster. Either way a node container is touched only
	// when kind's cluster label on it is the cluster its Node's providerID names.
	Cluster string
	// DetectTimeout bounds the wait for the Node's Ready condition to leave True (default 3 min;
	// the node lifecycle controller needs node-monitor-grace-period, 50 s by default).
	DetectTimeout time.Duration
	// RecoverTimeout bounds each recovery wait: the node Ready again, the pod recreated elsewhere
	// (default 5 min).
	RecoverTimeout time.Duration

	mu     sync.Mutex // guards failed and taint: Recover may run while an interrupted Inject returns
	failed *failure   // what Inject did, or set out to do, to a node that Recover has not yet restored
	taint  bool       // Inject applied (or tried to apply) the out-of-service taint
}

// failure is what Inject set out to do to a node, recorded before the runtime command is issued:
// a command that was interrupted or half-worked is still undone.
type failure struct {
	node   *kindNode
	mode   Mode
	issued time.Time // just before the runtime command
}

// Name returns the fault's name, "node-failure-<mode>" (see Name).
func (f *Fault) Name() string { return Name(f.Mode) }

// Name is the name of the node failure of mode m: "node-failure-<mode>", e.g.
// "node-failure-kill".
func Name(m Mode) string { return "node-failure-" + string(m) }

func (f *Fault) detectTimeout() time.Duration {
	if f.DetectTimeout > 0 {
		return f.DetectTimeout
	}
	return 3 * time.Minute
}

func (f *Fault) recoverTimeout() time.Duration {
	if f.RecoverTimeout > 0 {
		return f.RecoverTimeout
	}
	return 5 * time.Minute
}

// Available returns nil when every Node is a kind node whose container the runtime can see,
// and an error naming the first node that is not (a cluster that is not kind has no node
// container to fail).
func (f *Fault) Available(ctx context.Context) error {
	if f.Client == nil || f.Client.Clientset == nil {
		return fmt.Errorf("%s: no Kubernetes client (Fault.Client is nil)", f.Name())
	}
	switch f.Mode {
	case Stop, Kill, Pause:
	default:
		return fmt.Errorf("node-failure mode %q: want stop, kill or pause", f.Mode)
	}
	switch f.Recovery {
	case NodeReturns, OutOfService:
	default:
		return fmt.Errorf("node-failure recovery %q: want %s or %s", f.Recovery, NodeReturns, OutOfService)
	}
	nodes, err := f.Client.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("%s: list nodes: %w", f.Name(), err)
	}
	for i := range nodes.Items {
		kn, err := parseKindNode(&nodes.Items[i], f.Cluster)
		if err != nil {
			return fmt.Errorf("%s needs a kind cluster: %w", f.Name(), err)
		}
		if _, err := kn.state(ctx); err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
	}
	return nil
}

// Applicable returns a *faults.NotApplicableError when the recovery path cannot work for this
// target: out-of-service on a frozen node, or out-of-service when the pod's volumes are bound to
// its node (a PV whose nodeAffinity no other node satisfies, as with kind's "standard"
// local-path class). Other errors are API failures.
func (f *Fault) Applicable(ctx context.Context, t faults.Target) error {
	if f.Recovery != OutOfService {
		return nil
	}
	if f.Mode == Pause {
		return &faults.NotApplicableError{Fault: f.Name(), Reason: "the out-of-service taint is only for nodes that are shut down; a frozen node's processes would resume"}
	}
	pod, err := f.Client.Clientset.CoreV1().Pods(t.Namespace).Get(ctx, t.Pod, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("%s: get pod %s: %w", f.Name(), t, err)
	}
	bound, err := nodeBoundVolume(ctx, f.Client.Clientset, pod)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	if bound != "" {
		return &faults.NotApplicableError{Fault: f.Name(), Reason: bound}
	}
	return nil
}

// Inject fails the node running the target pod and waits for the Node's Ready condition to
// leave True (the proof). With OutOfService it then taints the node and waits for the pod to
// be recreated, Ready, on another node. The control-plane node is refused (it runs the
// in-cluster writer and the API server), and so is a node whose container is not the one its
// providerID names (see Cluster): nothing is changed then. The injection records the node,
// the container's state, the observed Ready status and, for OutOfService, the old and new pod
// UID and node.
func (f *Fault) Inject(ctx context.Context, t faults.Target) (faults.Injection, error) {
	inj := faults.Injection{Fault: f.Name(), Target: t.String(), Observed: map[string]string{"recovery": string(f.Recovery)}}
	if err := f.Applicable(ctx, t); err != nil {
		return inj, err
	}
	pods := f.Client.Clientset.CoreV1().Pods(t.Namespace)
	pod, err := pods.Get(ctx, t.Pod, metav1.GetOptions{})
	if err != nil {
		return inj, fmt.Errorf("%s: get pod %s: %w", f.Name(), t, err)
	}
	node, err := f.Client.Clientset.CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{})
	if err != nil {
		return inj, fmt.Errorf("%s: get node %q of pod %s: %w", f.Name(), pod.Spec.NodeName, t, err)
	}
	if _, cp := node.Labels[kube.LabelControlPlane]; cp {
		return inj, fmt.Errorf("%s: %w: node %q is a control-plane node (pod %s runs there); target a pod on a worker", f.Name(), faults.ErrRefused, node.Name, t)
	}
	kn, err := parseKindNode(node, f.Cluster)
	if err != nil {
		return inj, fmt.Errorf("%s: %w", f.Name(), err)
	}
	if _, err := kn.state(ctx); err != nil { // the container is this node's: checked before any change
		return inj, fmt.Errorf("%s: %w", f.Name(), err)
	}
	inj.Observed["node"] = node.Name
	inj.Observed["oldPodUID"] = string(pod.UID)

	inj.Start = time.Now()
	f.mu.Lock()
	f.failed = &failure{node: kn, mode: f.Mode, issued: inj.Start} // before the command
	f.mu.Unlock()
	if err := kn.fail(ctx, f.Mode); err != nil {
		return inj, fmt.Errorf("%s: %w", f.Name(), err)
	}
	state, err := kn.state(ctx)
	if err != nil {
		return inj, fmt.Errorf("%s: %w", f.Name(), err)
	}
	inj.Observed["containerState"] = state
	if want := drivenState[f.Mode]; state != want {
		return inj, fmt.Errorf("%s: node container %s is %q after %s, want %q", f.Name(), kn.container, state, f.Mode, want)
	}
	seen, err := f.Client.WaitNodeReadyStatus(ctx, node.Name, f.detectTimeout(), func(s corev1.ConditionStatus) bool { return s != corev1.ConditionTrue })
	if err != nil {
		return inj, fmt.Errorf("%s: the node container is %s but the cluster did not notice: %w", f.Name(), state, err)
	}
	inj.Observed["nodeReady"] = string(kube.NodeReadyStatus(seen))
	inj.Observed["notReadyAfterSeconds"] = fmt.Sprintf("%.1f", time.Since(inj.Start).Seconds())

	if f.Recovery == OutOfService {
		f.mu.Lock()
		f.taint = true // before the call: an Update that reached the API server is still undone
		f.mu.Unlock()
		if err := f.setOutOfService(ctx, node.Name, true); err != nil {
			return inj, err
		}
		moved, err := f.Client.WaitReplacementReady(ctx, t.Namespace, t.Pod, t.Selector, f.recoverTimeout(), func(p *corev1.Pod) bool {
			return p.UID != types.UID(inj.Observed["oldPodUID"])
		})
		if err != nil {
			return inj, fmt.Errorf("%s: node %s is out of service but pod %s was not recreated Ready elsewhere: %w", f.Name(), node.Name, t, err)
		}
		inj.Observed["newPodUID"] = string(moved.UID)
		inj.Observed["newPod"] = moved.Name
		inj.Observed["newNode"] = moved.Spec.NodeName
		inj.Observed["podMovedAfterSeconds"] = fmt.Sprintf("%.1f", time.Since(inj.Start).Seconds())
	}
	inj.End = time.Now()
	return inj, nil
}

// Recover brings the failed node back and, if Inject tainted it out of service, removes the
// taint. It first waits for the node container to settle (kindNode.settle: a stop whose CLI was
// interrupted goes on in the runtime, up to StopGrace + 20 s after it was issued), then starts or
// unpauses it and waits, up to RecoverTimeout, for a Ready status that the node's kubelet posted
// after that (waitReadyAfter). It is a no-op when Inject did not set out to fail a node or when
// Recover already succeeded, and may be called again after it failed. Errors name the node and
// the step that failed; when ctx ends first, the error wraps ctx's.
func (f *Fault) Recover(ctx context.Context) error {
	f.mu.Lock()
	fl, taint := f.failed, f.taint
	f.mu.Unlock()
	if fl == nil {
		return nil
	}
	kn := fl.node
	state, err := kn.settle(ctx, fl.mode, fl.issued)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	before := f.kubeletSigns(ctx, kn.node) // the kubelet is stopped or frozen: no sign newer than these is before the restore
	if before.heartbeat.IsZero() {
		before.heartbeat = time.Now() // not read: kind's nodes share the host's clock
	}
	if before.renew.IsZero() {
		before.renew = time.Now()
	}
	if err := kn.restore(ctx, state); err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	if err := f.waitReadyAfter(ctx, kn.node, before, state == "running" || state == "paused"); err != nil {
		return fmt.Errorf("%s: node container %s runs again but the node is not Ready: %w", f.Name(), kn.container, err)
	}
	if taint {
		if err := f.setOutOfService(ctx, kn.node, false); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.failed, f.taint = nil, false
	f.mu.Unlock()
	return nil
}

// kubeletSigns are the latest signs of life of a node's kubelet that the API server holds, each
// in the node's clock: its Ready condition (status, and lastHeartbeatTime in whole seconds) and
// its Lease's renewTime (kube-node-lease/<node>, renewed every 10 s; microseconds). A sign that
// cannot be read is zero (ready: Unknown).
type kubeletSigns struct {
	ready            corev1.ConditionStatus
	heartbeat, renew time.Time
}

func (f *Fault) kubeletSigns(ctx context.Context, node string) kubeletSigns {
	s := kubeletSigns{ready: corev1.ConditionUnknown}
	if n, err := f.Client.Clientset.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); err == nil {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				s.ready, s.heartbeat = c.Status, c.LastHeartbeatTime.Time
			}
		}
	}
	if l, err := f.Client.Clientset.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, node, metav1.GetOptions{}); err == nil && l.Spec.RenewTime != nil {
		s.renew = l.Spec.RenewTime.Time
	}
	return s
}

// waitReadyAfter waits up to RecoverTimeout until the node's Ready condition is True in a status
// that its kubelet posted after the restore; before are the signs read just before the restore.
// A True read then is the stopped or frozen kubelet's, which the node lifecycle controller has
// not yet marked Unknown (that takes node-monitor-grace-period): it does not count. So either
//   - the condition's lastHeartbeatTime is later than before's: a restarted kubelet (the container
//     was started) posts its status as soon as it runs, True or not; or
//   - when the kubelet was resumed (resumed: the container was unpaused, or never stopped), the
//     Lease was renewed after before's renewal while the condition is True: a resumed kubelet
//     posts its status only when it changed (else every 5 min, nodeStatusReportFrequency), and a
//     node frozen for less than the grace period has nothing to change.
//
// The lease alone would not do for a restarted kubelet, which renews it before its first status.
// Both times compared are the kubelet's own, so the host's clock does not matter. The error gives
// the last signs seen, or wraps ctx's error.
func (f *Fault) waitReadyAfter(ctx context.Context, node string, before kubeletSigns, resumed bool) error {
	var last kubeletSigns
	err := wait.PollUntilContextTimeout(ctx, pollInterval, f.recoverTimeout(), true, func(ctx context.Context) (bool, error) {
		last = f.kubeletSigns(ctx, node)
		fresh := last.heartbeat.After(before.heartbeat) || resumed && last.renew.After(before.renew)
		return last.ready == corev1.ConditionTrue && fresh, nil
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("after %s: node %s is Ready=%s, last heartbeat %s, lease renewed %s (before the restore: %s, %s)", f.recoverTimeout(), node,
			last.ready, last.heartbeat.Format(time.RFC3339), last.renew.Format(time.RFC3339Nano), before.heartbeat.Format(time.RFC3339), before.renew.Format(time.RFC3339Nano))
	}
	return err
}

// setOutOfService adds or removes the out-of-service taint on node.
func (f *Fault) setOutOfService(ctx context.Context, node string, on bool) error {
	nodes := f.Client.Clientset.CoreV1().Nodes()
	// The node lifecycle controller updates taints too: retry on a write conflict.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := nodes.Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		var taints []corev1.Taint
		for _, t := range n.Spec.Taints {
			if t.Key != kube.TaintOutOfService {
				taints = append(taints, t)
			}
		}
		if on {
			taints = append(taints, corev1.Taint{Key: kube.TaintOutOfService, Value: "nodeshutdown", Effect: corev1.TaintEffectNoExecute})
		}
		n.Spec.Taints = taints
		_, err = nodes.Update(ctx, n, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: set taint %s (on=%v) on node %q: %w", f.Name(), kube.TaintOutOfService, on, node, err)
	}
	return nil
}
