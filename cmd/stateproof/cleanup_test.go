package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
)

// A killed run left a cordoned node labelled with its id and its namespace: cleanup --run-id
// undoes the node and deletes the namespace, and leaves another run's alone.
func TestCleanupUndoesOneRun(t *testing.T) {
	ready := corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}
	cs := fake.NewClientset(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker", Labels: map[string]string{kube.FaultRunLabel: "run1"}}, Spec: corev1.NodeSpec{Unschedulable: true}, Status: ready},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker2", Labels: map[string]string{kube.FaultRunLabel: "run2"}}, Spec: corev1.NodeSpec{Unschedulable: true}, Status: ready},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "stateproof-mysql-abcde", Labels: map[string]string{kube.RunLabel: "run1", kube.ManagedByLabel: "stateproof"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "stateproof-redis-fghij", Labels: map[string]string{kube.RunLabel: "run2", kube.ManagedByLabel: "stateproof"}}},
	)
	var out bytes.Buffer
	if err := cleanupRun(t.Context(), &out, &kube.Client{Clientset: cs}, "run1", 5*time.Second); err != nil {
		t.Fatalf("cleanup: %v\n%s", err, &out)
	}
	if n, _ := cs.CoreV1().Nodes().Get(t.Context(), "worker", metav1.GetOptions{}); n.Spec.Unschedulable || n.Labels[kube.FaultRunLabel] != "" {
		t.Errorf("worker not undone: %+v", n)
	}
	if n, _ := cs.CoreV1().Nodes().Get(t.Context(), "worker2", metav1.GetOptions{}); !n.Spec.Unschedulable {
		t.Error("another run's node was undone")
	}
	nss, _ := cs.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{})
	if len(nss.Items) != 1 || nss.Items[0].Name != "stateproof-redis-fghij" {
		t.Errorf("namespaces left: %v, want only the other run's", nss.Items)
	}
	for _, want := range []string{"[cleanup] node worker carries stateproof.io/fault-run=run1", "[cleanup] deleted namespace stateproof-mysql-abcde"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
}

func TestCleanupNeedsRunIDOrAll(t *testing.T) {
	for _, args := range [][]string{{"cleanup"}, {"cleanup", "--run-id", "x", "--all"}} {
		root := newRootCommand()
		root.SetArgs(args)
		root.SetOut(&bytes.Buffer{})
		if err := root.Execute(); exitCode(err) != 2 || !strings.Contains(err.Error(), "either --run-id") {
			t.Errorf("%v: %v (exit code %d), want bad usage (2)", args, err, exitCode(err))
		}
	}
}

// The help states the interrupt grace the code gives, which covers a spec's clean-up limits.
func TestInterruptGraceCoversTheCleanUp(t *testing.T) {
	if limits := 2*(faults.RecoverTimeout+faults.UnmarkTimeout) + kube.NamespaceCleanupTimeout; defaultInterruptGrace <= limits {
		t.Errorf("grace %s does not exceed the clean-up limits %s", defaultInterruptGrace, limits)
	}
	if want := fmt.Sprintf("up to %d minutes", int(defaultInterruptGrace.Minutes())); !strings.Contains(strings.Join(strings.Fields(certifyLong), " "), want) {
		t.Errorf("certify --help does not say %q", want)
	}
}
