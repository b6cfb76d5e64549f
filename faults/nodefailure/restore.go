package nodefailure

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/stateproof/stateproof/fixtures/kube"
)

// RestoreNode brings back the kind node container of n when a fault left it down and the
// fault's own Recover never ran (the harness was killed): the restore of leftover.Undoer. It
// matches the container by the whole providerID (its kind cluster label checked, see
// parseKindNode and state) and then unpauses a paused container and starts a stopped or killed
// one. A running container of a Node that is not Ready may still be stopping (a `docker stop`
// the killed harness issued goes on in the daemon): it is given the time a stop may take
// (StopGrace and a margin) to settle first. A Node whose providerID is not kind's is left alone
// (nil): its machine is not the harness's to restore. The error names the node and the
// container's state.
func RestoreNode(ctx context.Context, n *corev1.Node) error {
	if !strings.HasPrefix(n.Spec.ProviderID, "kind://") {
		return nil
	}
	k, err := parseKindNode(n, "")
	if err != nil {
		return err
	}
	state, err := k.state(ctx)
	if err != nil {
		return err
	}
	if state == "running" && kube.NodeReadyStatus(n) != corev1.ConditionTrue {
		// The stop, if any, was issued at the latest now.
		if state, err = k.settle(ctx, Stop, time.Now()); err != nil {
			return err
		}
	}
	if err := k.restore(ctx, state); err != nil {
		return fmt.Errorf("node %q: bring its container back from %s: %w", n.Name, state, err)
	}
	return nil
}
