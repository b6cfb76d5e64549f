package nodefailure

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"sigs.k8s.io/kind/pkg/exec"
)

// kindNode is a Node's container as kind created it.
type kindNode struct {
	node      string // Node name
	runtime   string // container runtime CLI kind used: docker, podman or nerdctl
	container string
}

// parseKindNode reads the node container from the Node's providerID, which kind sets to
// "kind://<runtime>/<cluster>/<container>" (sigs.k8s.io/kind pkg/cluster/internal/kubeadm).
func parseKindNode(n *corev1.Node) (*kindNode, error) {
	id := n.Spec.ProviderID
	rest, ok := strings.CutPrefix(id, "kind://")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || parts[2] == "" {
		return nil, fmt.Errorf("node %q has providerID %q, want kind://<runtime>/<cluster>/<node>", n.Name, id)
	}
	switch parts[0] {
	case "docker", "podman", "nerdctl":
	default:
		return nil, fmt.Errorf("node %q: unknown kind runtime %q in providerID %q (want docker, podman or nerdctl)", n.Name, parts[0], id)
	}
	return &kindNode{node: n.Name, runtime: parts[0], container: parts[2]}, nil
}

// run runs the runtime CLI through kind's exec package and returns its trimmed output; the
// error carries the command and its output.
func (k *kindNode) run(ctx context.Context, args ...string) (string, error) {
	lines, err := exec.CombinedOutputLines(exec.CommandContext(ctx, k.runtime, args...))
	out := strings.TrimSpace(strings.Join(lines, "\n"))
	if err != nil {
		return out, fmt.Errorf("%s: %w: %s", exec.PrettyCommand(k.runtime, args...), err, out)
	}
	return out, nil
}

// state returns the container's state as the runtime reports it: running, paused, exited, ...
func (k *kindNode) state(ctx context.Context) (string, error) {
	out, err := k.run(ctx, "inspect", "--format", "{{.State.Status}}", k.container)
	if err != nil {
		return "", fmt.Errorf("node %q: its container cannot be inspected: %w", k.node, err)
	}
	return out, nil
}

// fail applies mode to the node container.
func (k *kindNode) fail(ctx context.Context, mode Mode) error {
	var args []string
	switch mode {
	case Stop:
		args = []string{"stop", "--time", fmt.Sprint(int(StopGrace.Seconds())), k.container}
	case Kill:
		args = []string{"kill", "--signal", "KILL", k.container}
	case Pause:
		args = []string{"pause", k.container}
	default:
		return fmt.Errorf("node-failure mode %q: want stop, kill or pause", mode)
	}
	var err error
	for attempt := 1; attempt <= pauseAttempts; attempt++ {
		if _, err = k.run(ctx, args...); err == nil {
			return nil
		}
		// runc gives up freezing a cgroup whose tasks keep forking on busy cores ("unable to
		// freeze") and thaws it again: the node still runs, so the pause can be tried again.
		if mode != Pause || !strings.Contains(err.Error(), "unable to freeze") || attempt == pauseAttempts {
			break
		}
		if state, serr := k.state(ctx); serr != nil || state != "running" {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s node %q: %w", mode, k.node, err)
		case <-time.After(time.Second):
		}
	}
	return fmt.Errorf("%s node %q: %w", mode, k.node, err)
}

// pauseAttempts is how often a pause that runc could not freeze is tried.
const pauseAttempts = 3

// restore brings the container back to running from whatever state the failure left.
func (k *kindNode) restore(ctx context.Context) error {
	state, err := k.state(ctx)
	if err != nil {
		return err
	}
	switch state {
	case "running":
		return nil
	case "paused":
		_, err = k.run(ctx, "unpause", k.container)
	default:
		_, err = k.run(ctx, "start", k.container)
	}
	if err != nil {
		return fmt.Errorf("bring node %q back from %s: %w", k.node, state, err)
	}
	return nil
}

// nodeBoundVolume returns, for the first persistent volume of pod that no other node satisfies
// (its PV's spec.nodeAffinity, https://kubernetes.io/docs/concepts/storage/persistent-volumes/#node-affinity),
// "volume is node-bound to <node> (PVC <ns/name>, PV <name>)"; "" when every volume could follow
// the pod to another node.
func nodeBoundVolume(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod) (string, error) {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("list nodes: %w", err)
	}
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		pvc, err := cs.CoreV1().PersistentVolumeClaims(pod.Namespace).Get(ctx, v.PersistentVolumeClaim.ClaimName, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("get PVC %s/%s: %w", pod.Namespace, v.PersistentVolumeClaim.ClaimName, err)
		}
		pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("get PV %q of PVC %s/%s: %w", pvc.Spec.VolumeName, pod.Namespace, pvc.Name, err)
		}
		if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
			continue
		}
		sel, err := nodeaffinity.NewNodeSelector(pv.Spec.NodeAffinity.Required)
		if err != nil {
			return "", fmt.Errorf("PV %q node affinity: %w", pv.Name, err)
		}
		var elsewhere []string
		for i := range nodes.Items {
			if n := &nodes.Items[i]; n.Name != pod.Spec.NodeName && sel.Match(n) {
				elsewhere = append(elsewhere, n.Name)
			}
		}
		if len(elsewhere) == 0 {
			return fmt.Sprintf("volume is node-bound to %s (PVC %s/%s, PV %s)", pod.Spec.NodeName, pod.Namespace, pvc.Name, pv.Name), nil
		}
	}
	return "", nil
}
