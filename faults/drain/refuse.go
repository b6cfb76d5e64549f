package drain

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
)

// ErrRefused is faults.ErrRefused: CheckNode (and so Inject) wraps it when a node must not be
// drained: it is a control-plane node, or it runs a protected pod. Nothing was cordoned then.
var ErrRefused = faults.ErrRefused

// CheckNode returns the named node if node-drain may drain it, else an error wrapping
// ErrRefused that says why:
//   - the node carries the label node-role.kubernetes.io/control-plane (kubeadm sets it;
//     https://kubernetes.io/docs/reference/labels-annotations-taints/#node-role-kubernetes-io-control-plane):
//     draining it would take the API server or etcd away from the harness;
//   - a pod matching one of the protected label selectors (e.g.
//     "app.kubernetes.io/name=stateproof-agent"), in any namespace and not yet Succeeded or
//     Failed, runs on it (spec.nodeName): draining it would evict the harness's own writer or
//     observer. The error names the pod and the selector it matched.
//
// Each selector uses the label selector syntax of
// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors;
// an invalid or empty one (which would match every pod) is an error naming it. API errors
// (the node not found, listing pods forbidden) are returned as they are, without ErrRefused.
func CheckNode(ctx context.Context, cs kubernetes.Interface, nodeName string, protected []string) (*corev1.Node, error) {
	node, err := cs.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get node %q: %w", nodeName, err)
	}
	if _, cp := node.Labels[kube.LabelControlPlane]; cp {
		return nil, fmt.Errorf("%w: node %q is a control-plane node (label %s); only worker nodes may be drained",
			ErrRefused, nodeName, kube.LabelControlPlane)
	}
	onNode := fields.OneTermEqualSelector("spec.nodeName", nodeName).String()
	for _, s := range protected {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("protected selector %q is empty and would match every pod; give a label selector such as \"app.kubernetes.io/name=stateproof-agent\"", s)
		}
		sel, err := labels.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("protected selector %q is not a label selector (want e.g. \"app.kubernetes.io/name=stateproof-agent\"): %w", s, err)
		}
		pods, err := cs.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
			LabelSelector: sel.String(), FieldSelector: onNode})
		if err != nil {
			return nil, fmt.Errorf("list pods matching protected selector %q on node %q: %w", s, nodeName, err)
		}
		for _, p := range pods.Items {
			// Filter again: not every client (the fake clientset of the tests) honours the
			// field selector.
			if p.Spec.NodeName != nodeName || !sel.Matches(labels.Set(p.Labels)) ||
				p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
				continue
			}
			return nil, fmt.Errorf("%w: node %q runs protected pod %s/%s (matches %q); place the workload and the harness's pods on different nodes",
				ErrRefused, nodeName, p.Namespace, p.Name, s)
		}
	}
	return node, nil
}
