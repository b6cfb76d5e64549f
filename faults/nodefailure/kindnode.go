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
	node       string // Node name, also its container's
	providerID string // the Node's spec.providerID
	runtime    string // container runtime CLI kind used: docker, podman or nerdctl
	cluster    string // kind cluster name, from the providerID
	container  string
	// addrs are the container's addresses before a stop or kill (docker only), given back to
	// it when it starts again (see pinAddresses).
	addrs []netAddr
}

// netAddr is a container's address on one network.
type netAddr struct{ network, ipv4, ipv6 string }

// kindClusterLabel is the label kind puts on every node container: the name of its cluster
// (sigs.k8s.io/kind pkg/cluster/internal/providers/docker/constants.go).
const kindClusterLabel = "io.x-k8s.kind.cluster"

// parseKindNode reads the node container from the Node's providerID, which kind sets to
// "kind://<runtime>/<cluster>/<node>" (sigs.k8s.io/kind pkg/cluster/internal/kubeadm), <node>
// being both the Node's name and its container's. It refuses, naming the providerID and what
// it should be, a providerID of another form or runtime, one naming another node and, when
// cluster is not empty, one naming another kind cluster.
func parseKindNode(n *corev1.Node, cluster string) (*kindNode, error) {
	id := n.Spec.ProviderID
	wantCluster := cluster
	if wantCluster == "" {
		wantCluster = "<cluster>"
	}
	rest, ok := strings.CutPrefix(id, "kind://")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return nil, fmt.Errorf("node %q has providerID %q, want kind://<runtime>/%s/%s (a kind node)", n.Name, id, wantCluster, n.Name)
	}
	k := &kindNode{node: n.Name, providerID: id, runtime: parts[0], cluster: parts[1], container: parts[2]}
	switch k.runtime {
	case "docker", "podman", "nerdctl":
	default:
		return nil, fmt.Errorf("node %q: unknown kind runtime %q in providerID %q (want docker, podman or nerdctl)", n.Name, k.runtime, id)
	}
	want := fmt.Sprintf("kind://%s/%s/%s", k.runtime, wantCluster, n.Name)
	switch {
	case k.container != n.Name:
		return nil, fmt.Errorf("node %q has providerID %q, want %s: it names the container of another node", n.Name, id, want)
	case cluster != "" && k.cluster != cluster:
		return nil, fmt.Errorf("node %q has providerID %q, want %s: it is a node of another kind cluster than %q", n.Name, id, want, cluster)
	}
	return k, nil
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

// state returns the container's state as the runtime reports it (running, paused, exited,
// ...) once it has checked that the container is the node the providerID names: its kind
// cluster label must be the providerID's cluster, else nothing may touch the container.
func (k *kindNode) state(ctx context.Context) (string, error) {
	out, err := k.run(ctx, "inspect", "--format", `{{.State.Status}} {{index .Config.Labels "`+kindClusterLabel+`"}}`, k.container)
	if err != nil {
		return "", fmt.Errorf("node %q: its container cannot be inspected: %w", k.node, err)
	}
	state, cluster, _ := strings.Cut(out, " ")
	if cluster != k.cluster {
		return "", fmt.Errorf("node %q has providerID %q, but container %q is not a node of kind cluster %q (its label %s is %q): refusing to touch it",
			k.node, k.providerID, k.container, k.cluster, kindClusterLabel, cluster)
	}
	return state, nil
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
	if mode != Pause && k.runtime == "docker" {
		addrs, err := k.addresses(ctx)
		if err != nil {
			return fmt.Errorf("%s node %q: %w", mode, k.node, err)
		}
		k.addrs = addrs
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

// drivenState is the container state each failure drives the node container to.
var drivenState = map[Mode]string{Stop: "exited", Kill: "exited", Pause: "paused"}

// settleMargin is how long the runtime may need, beyond the stop's StopGrace, to finish a failure
// command whose CLI was interrupted: the SIGKILL and exit of a stop, a kill, runc's freeze attempts.
const settleMargin = 20 * time.Second

// pollInterval is how often Recover looks at the node container and the Node again.
var pollInterval = time.Second

// settle waits until the node container has settled after a mode failure command issued at
// issued, and returns its state. The runtime goes on with a command whose CLI was killed (a
// cancelled stop still stops the container, up to StopGrace later) and a container being stopped
// or frozen still reports running: so running is settled only once the runtime would have
// finished the command (StopGrace + settleMargin after it was issued for a stop, settleMargin
// otherwise), which then never reached it or, for a pause, was given up by runc. Any other state
// is settled at once. It polls every pollInterval; an inspect error that lasts past that window is
// returned, and so is ctx's error if ctx ends first.
func (k *kindNode) settle(ctx context.Context, mode Mode, issued time.Time) (string, error) {
	window := settleMargin
	if mode == Stop {
		window += StopGrace
	}
	for {
		state, err := k.state(ctx)
		if err == nil && state != "running" || time.Since(issued) > window {
			return state, err
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("node %q: waiting for its container to be %s after the %s: %w", k.node, drivenState[mode], mode, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// restore brings the container back to running from state, the state it settled in: it unpauses
// a paused container, starts any other but a running one, and returns an error unless the
// container runs afterwards.
func (k *kindNode) restore(ctx context.Context, state string) error {
	var err error
	switch state {
	case "running":
		return nil
	case "paused":
		_, err = k.run(ctx, "unpause", k.container)
	default:
		if err = k.pinAddresses(ctx); err == nil {
			_, err = k.run(ctx, "start", k.container)
		}
	}
	now, serr := k.state(ctx)
	if serr == nil && now == "running" {
		return nil // even if the command failed: someone else brought it back
	}
	if err == nil {
		err = serr
	}
	if err == nil {
		err = fmt.Errorf("it is %s", now)
	}
	return fmt.Errorf("bring node %q back from %s: %w", k.node, state, err)
}

// addresses returns the container's address on each of its networks, as the runtime reports
// them (docker inspect .NetworkSettings.Networks).
func (k *kindNode) addresses(ctx context.Context) ([]netAddr, error) {
	out, err := k.run(ctx, "inspect", "--format", `{{range $n, $v := .NetworkSettings.Networks}}{{$n}} {{$v.IPAddress}} {{$v.GlobalIPv6Address}}{{"\n"}}{{end}}`, k.container)
	if err != nil {
		return nil, fmt.Errorf("its container's addresses cannot be read: %w", err)
	}
	var addrs []netAddr
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		a := netAddr{network: f[0], ipv4: f[1]}
		if len(f) > 2 {
			a.ipv6 = f[2]
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// pinAddresses gives the stopped container back the addresses it had before the failure
// (disconnect, then connect with --ip and --ip6), before it starts: Docker hands a starting
// container any free address, so two nodes down at once can come back with each other's, and
// kind's nodes do not survive that (kindnet on the node takes the other node's pod CIDR: its
// pods become unreachable; seen in session 10). An address another container took is an error
// naming it (the node is connected again without it, so that it still has a network).
func (k *kindNode) pinAddresses(ctx context.Context) error {
	for _, a := range k.addrs {
		if _, err := k.run(ctx, "network", "disconnect", a.network, k.container); err != nil {
			return fmt.Errorf("node %q: %w", k.node, err)
		}
		args := []string{"network", "connect"}
		if a.ipv4 != "" {
			args = append(args, "--ip", a.ipv4)
		}
		if a.ipv6 != "" {
			args = append(args, "--ip6", a.ipv6)
		}
		if _, err := k.run(ctx, append(args, a.network, k.container)...); err != nil {
			_, _ = k.run(ctx, "network", "connect", a.network, k.container) // best effort: the error below says what failed
			return fmt.Errorf("node %q: its address %s %s on network %s cannot be given back: %w", k.node, a.ipv4, a.ipv6, a.network, err)
		}
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
