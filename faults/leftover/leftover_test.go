package leftover

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/stateproof/stateproof/fixtures/kube"
)

// node is a Ready node labelled by run (none when ""), cordoned and tainted out-of-service as
// an interrupted fault leaves it.
func node(name, run string, ready corev1.ConditionStatus) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}},
		Spec:   corev1.NodeSpec{Unschedulable: true, Taints: []corev1.Taint{{Key: kube.TaintOutOfService, Effect: corev1.TaintEffectNoExecute}}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
	if run != "" {
		n.Labels[kube.FaultRunLabel] = run
	}
	return n
}

func TestUndoRestoresOnlyTheRunsNodes(t *testing.T) {
	cs := fake.NewClientset(node("worker", "run1", corev1.ConditionTrue), node("worker2", "run2", corev1.ConditionTrue), node("worker3", "", corev1.ConditionTrue))
	var restored []string
	u := &Undoer{Client: &kube.Client{Clientset: cs}, ReadyTimeout: 5 * time.Second,
		RestoreNode: func(_ context.Context, n *corev1.Node) error { restored = append(restored, n.Name); return nil }}
	undone, err := u.Undo(t.Context(), "run1")
	if err != nil || len(undone) != 1 || undone[0] != "worker" || len(restored) != 1 {
		t.Fatalf("undone %v, restored %v, err %v: want worker only", undone, restored, err)
	}
	n, _ := cs.CoreV1().Nodes().Get(t.Context(), "worker", metav1.GetOptions{})
	if n.Spec.Unschedulable || len(n.Spec.Taints) != 0 || n.Labels[kube.FaultRunLabel] != "" {
		t.Errorf("worker after undo: %+v", n)
	}
	for _, other := range []string{"worker2", "worker3"} {
		if n, _ := cs.CoreV1().Nodes().Get(t.Context(), other, metav1.GetOptions{}); !n.Spec.Unschedulable {
			t.Errorf("%s, not the run's, was uncordoned", other)
		}
	}
	// Every run's (stateproof cleanup --all).
	if undone, err := u.Undo(t.Context(), ""); err != nil || len(undone) != 1 || undone[0] != "worker2" {
		t.Errorf("--all: undone %v, err %v; want worker2", undone, err)
	}
}

func TestUndoNamesANodeThatStaysDown(t *testing.T) {
	cs := fake.NewClientset(node("worker", "run1", corev1.ConditionUnknown))
	u := &Undoer{Client: &kube.Client{Clientset: cs}, ReadyTimeout: 300 * time.Millisecond}
	undone, err := u.Undo(t.Context(), "run1")
	if len(undone) != 0 || err == nil || !strings.Contains(err.Error(), "node worker (run run1)") {
		t.Fatalf("undone %v, err %v: want an error naming worker", undone, err)
	}
	if n, _ := cs.CoreV1().Nodes().Get(t.Context(), "worker", metav1.GetOptions{}); n.Labels[kube.FaultRunLabel] != "run1" {
		t.Error("a node still down lost its label")
	}
}
