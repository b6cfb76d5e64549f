// Package processkill is the process-kill fault: the target pod's containers are killed with
// SIGKILL by the node agent on its node (fixtures/nodeagent), with no SIGTERM and no grace
// period, as the kernel's OOM killer kills: a crash. The kubelet restarts the containers in the
// same pod (same UID, node and volumes). pod-delete-force is not a crash: the kubelet still
// sends SIGTERM and waits at least minimumGracePeriodInSeconds (2 s) before SIGKILL
// (k8s.io/kubernetes pkg/kubelet/kuberuntime, killContainer).
package processkill

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/nodeagent"
)

// Name is the fault's name.
const Name = nodeagent.ProcessKill

// Fault kills the target pod's containers and waits until the kubelet has restarted them and
// the pod is Ready again.
type Fault struct {
	Client *kube.Client
	// NodeAgent returns the node agent of a node (faults.Deps.NodeAgent); nil: none offered.
	NodeAgent func(ctx context.Context, node string) (*nodeagent.Client, error)
	// RestartTimeout bounds the wait for the restarted containers to be Ready.
	RestartTimeout time.Duration
}

// Name returns Name.
func (f *Fault) Name() string { return Name }

// Available returns nil when the run offers node agents.
func (f *Fault) Available(context.Context) error {
	if f.NodeAgent == nil {
		return errors.New("process-kill needs the run's node agents (fixtures/nodeagent), which this run does not offer")
	}
	return nil
}

// Inject has the node agent of the target pod's node SIGKILL the pod's running containers, then
// waits until the same pod (same UID) is Ready again with every killed container restarted
// (restartCount up). The injection records the node, the pod UID, each container's restart
// count before and after and its last termination (exit code 137 for SIGKILL), and what the
// agent killed (container IDs and PIDs).
func (f *Fault) Inject(ctx context.Context, t faults.Target) (faults.Injection, error) {
	inj := faults.Injection{Fault: Name, Target: t.String(), Observed: map[string]string{}}
	pods := f.Client.Clientset.CoreV1().Pods(t.Namespace)
	pod, err := pods.Get(ctx, t.Pod, metav1.GetOptions{})
	if err != nil {
		return inj, fmt.Errorf("%s: get pod %s: %w", Name, t, err)
	}
	node := pod.Spec.NodeName
	inj.Observed["node"], inj.Observed["podUID"] = node, string(pod.UID)
	before := restarts(pod)
	agent, err := f.NodeAgent(ctx, node)
	if err != nil {
		return inj, fmt.Errorf("%s on %s: %w", Name, t, err)
	}
	inj.Start = time.Now()
	res, err := agent.Inject(ctx, nodeagent.FaultRequest{Fault: Name, Node: node,
		Pod: &nodeagent.PodRef{Namespace: t.Namespace, Name: t.Pod, UID: string(pod.UID)}})
	if err != nil {
		return inj, fmt.Errorf("%s on %s (node %s): %w", Name, t, node, err)
	}
	for k, v := range res.Observed {
		inj.Observed["agent."+k] = v
	}
	after, err := f.Client.WaitPodReady(ctx, t.Namespace, t.Pod, f.RestartTimeout, func(p *corev1.Pod) bool {
		return p.UID == pod.UID && restartedAll(before, restarts(p))
	})
	if err != nil {
		return inj, fmt.Errorf("%s: the containers of %s were killed but the pod did not become Ready again with them restarted: %w", Name, t, err)
	}
	inj.End = time.Now()
	for _, cs := range after.Status.ContainerStatuses {
		inj.Observed["restarts."+cs.Name] = fmt.Sprintf("%d → %d", before[cs.Name], cs.RestartCount)
		if term := cs.LastTerminationState.Terminated; term != nil {
			inj.Observed["lastTermination."+cs.Name] = fmt.Sprintf("%s exit %d", term.Reason, term.ExitCode)
		}
	}
	return inj, nil
}

// restarts returns each container's restartCount.
func restarts(p *corev1.Pod) map[string]int32 {
	out := map[string]int32{}
	for _, cs := range p.Status.ContainerStatuses {
		out[cs.Name] = cs.RestartCount
	}
	return out
}

// restartedAll reports whether every container of before has restarted since (a higher count).
func restartedAll(before, now map[string]int32) bool {
	for name, n := range before {
		if now[name] <= n {
			return false
		}
	}
	return len(before) > 0
}
