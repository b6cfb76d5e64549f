package nodefailure

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kindNodeObject is the Node of worker in kind cluster "stateproof", Ready or not.
func kindNodeObject(ready corev1.ConditionStatus) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: worker},
		Spec:   corev1.NodeSpec{ProviderID: "kind://docker/stateproof/" + worker},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
}

// A killed harness left a paused node: RestoreNode unpauses it; a stopped one it starts.
func TestRestoreNodeBringsBackALeftoverNode(t *testing.T) {
	for state, cmd := range map[string]string{"paused": "unpause", "exited": "start"} {
		dir := fakeDaemon(t, 0)
		if err := os.WriteFile(filepath.Join(dir, "state"), []byte(state+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := RestoreNode(t.Context(), kindNodeObject(corev1.ConditionUnknown)); err != nil {
			t.Fatalf("%s: %v", state, err)
		}
		if got := daemonState(t, dir); got != "running" || !strings.Contains(strings.Join(runtimeCalls(dir), "\n"), cmd+" "+worker) {
			t.Errorf("%s: container %s after RestoreNode, calls %q; want %s and running", state, got, runtimeCalls(dir), cmd)
		}
	}
}

// A running container of a Ready node is left alone; a node that is not kind's is not touched.
func TestRestoreNodeLeavesHealthyAndForeignNodesAlone(t *testing.T) {
	dir := fakeDaemon(t, 0)
	if err := RestoreNode(t.Context(), kindNodeObject(corev1.ConditionTrue)); err != nil {
		t.Fatal(err)
	}
	for _, c := range runtimeCalls(dir) {
		if !strings.HasPrefix(c, "inspect ") {
			t.Errorf("a running, Ready node's container got %q", c)
		}
	}
	foreign := kindNodeObject(corev1.ConditionUnknown)
	foreign.Spec.ProviderID = "gce://project/zone/" + worker
	if err := RestoreNode(t.Context(), foreign); err != nil {
		t.Errorf("a GCE node: %v, want nil (not the harness's machine)", err)
	}
}
