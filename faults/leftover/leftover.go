// Package leftover finds and undoes what a run's faults left behind when the run was
// interrupted or killed before their own recovery: the nodes the harness labelled
// kube.FaultRunLabel before a fault touched them (a stopped, killed or paused node, a cordon, the
// out-of-service taint). `stateproof certify` undoes its own run's after the suites exit, also
// after they were killed; `stateproof cleanup` undoes any run's.
package leftover

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/stateproof/stateproof/fixtures/kube"
)

// Undoer undoes the faults left on a cluster's nodes.
type Undoer struct {
	// Client is the cluster's client.
	Client *kube.Client
	// RestoreNode brings a failed node's machine back if it is down (kind: starts or unpauses
	// its container); nil when the nodes' machines are not the harness's to restore.
	RestoreNode func(ctx context.Context, node *corev1.Node) error
	// ReadyTimeout bounds the wait for each node to be Ready again.
	ReadyTimeout time.Duration
	// Logf, when set, receives one line per step.
	Logf func(format string, args ...any)
}

// Selector is the label selector of the nodes a fault of run runID touched: kube.FaultRunLabel
// with value runID, or with any value when runID is "".
func Selector(runID string) string {
	if runID == "" {
		return kube.FaultRunLabel
	}
	return kube.FaultRunLabel + "=" + runID
}

// Marked lists the nodes carrying kube.FaultRunLabel with value runID, or with any value when
// runID is "".
func (u *Undoer) Marked(ctx context.Context, runID string) ([]corev1.Node, error) {
	sel := Selector(runID)
	list, err := u.Client.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("list the nodes labelled %s: %w", sel, err)
	}
	return list.Items, nil
}

// Undo undoes, on every node Marked(runID) returns, what a fault may have left: it restores the
// node's machine (RestoreNode), uncordons it, removes the out-of-service taint, waits until it
// is Ready and healthy (kube.NodeProblem) and removes the label. It returns the names of the
// nodes it undid; the error names each node it could not (those keep their label).
func (u *Undoer) Undo(ctx context.Context, runID string) ([]string, error) {
	nodes, err := u.Marked(ctx, runID)
	if err != nil {
		return nil, err
	}
	var undone []string
	var errs []error
	for i := range nodes {
		n := &nodes[i]
		if err := u.undo(ctx, n); err != nil {
			errs = append(errs, fmt.Errorf("node %s (run %s): %w", n.Name, n.Labels[kube.FaultRunLabel], err))
			continue
		}
		undone = append(undone, n.Name)
	}
	return undone, errors.Join(errs...)
}

// undo undoes one node (see Undo).
func (u *Undoer) undo(ctx context.Context, n *corev1.Node) error {
	u.logf("node %s carries %s=%s: undoing what a fault left (%s)", n.Name, kube.FaultRunLabel, n.Labels[kube.FaultRunLabel], Describe(n))
	if u.RestoreNode != nil {
		if err := u.RestoreNode(ctx, n); err != nil {
			return fmt.Errorf("restore the node's machine: %w", err)
		}
	}
	nodes := u.Client.Clientset.CoreV1().Nodes()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := nodes.Get(ctx, n.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		taints := slices.DeleteFunc(slices.Clone(cur.Spec.Taints), func(t corev1.Taint) bool { return t.Key == kube.TaintOutOfService })
		if !cur.Spec.Unschedulable && len(taints) == len(cur.Spec.Taints) {
			return nil
		}
		cur.Spec.Unschedulable, cur.Spec.Taints = false, taints
		_, err = nodes.Update(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("uncordon and remove the %s taint: %w", kube.TaintOutOfService, err)
	}
	if _, err := u.Client.WaitNodeReadyStatus(ctx, n.Name, u.ReadyTimeout, func(s corev1.ConditionStatus) bool { return s == corev1.ConditionTrue }); err != nil {
		return err
	}
	// The node lifecycle controller lifts its unreachable / not-ready taints shortly after Ready.
	err = wait.PollUntilContextTimeout(ctx, 2*time.Second, u.ReadyTimeout, true, func(ctx context.Context) (bool, error) {
		return u.Client.UnmarkNode(ctx, n.Name)
	})
	if err != nil {
		if cur, gerr := nodes.Get(ctx, n.Name, metav1.GetOptions{}); gerr == nil {
			return fmt.Errorf("not healthy within %s: %s: %w", u.ReadyTimeout, kube.NodeProblem(cur), err)
		}
		return fmt.Errorf("not healthy within %s: %w", u.ReadyTimeout, err)
	}
	u.logf("node %s is healthy again; label %s removed", n.Name, kube.FaultRunLabel)
	return nil
}

// Describe is the node's problem (kube.NodeProblem), or "healthy as seen now".
func Describe(n *corev1.Node) string {
	if p := kube.NodeProblem(n); p != "" {
		return p
	}
	return "healthy as seen now"
}

func (u *Undoer) logf(format string, args ...any) {
	if u.Logf != nil {
		u.Logf(format, args...)
	}
}
