package processkill

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/nodeagent"
)

func readyPod(restarts int32, lastExit int32) *corev1.Pod {
	cs := corev1.ContainerStatus{Name: "mysql", Ready: true, RestartCount: restarts}
	if lastExit != 0 {
		cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: lastExit}
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "mysql-0", Namespace: "ns", UID: "u1"},
		Spec: corev1.PodSpec{NodeName: "worker2"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{cs}}}
}

// The fault asks the agent of the pod's node to kill that pod (by UID) and is over once the same
// pod is Ready with its container restarted; the injection says what the agent killed and the
// last termination.
func TestInjectKillsThroughTheNodeAgentAndWaitsForTheRestart(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset(readyPod(0, 0))
	var asked nodeagent.FaultRequest
	var askedNode string
	agent := func(_ context.Context, node string) (*nodeagent.Client, error) {
		askedNode = node
		return nodeagent.NewClient(func(ctx context.Context, method, path string, _ http.Header, body []byte) ([]byte, int, error) {
			if err := json.Unmarshal(body, &asked); err != nil {
				return nil, 0, err
			}
			// The kubelet restarts the killed container a moment later.
			go func() {
				time.Sleep(200 * time.Millisecond)
				_, _ = cs.CoreV1().Pods("ns").UpdateStatus(ctx, readyPod(1, 137), metav1.UpdateOptions{})
			}()
			out, _ := json.Marshal(nodeagent.Injection{ID: "process-kill-0a1b2c3d", Fault: Name, Node: node, Observed: map[string]string{"kill.mysql": "id=abc pid=4242"}})
			return out, http.StatusOK, nil
		}, "token"), nil
	}
	f := &Fault{Client: &kube.Client{Clientset: cs}, NodeAgent: agent, RestartTimeout: 10 * time.Second}
	inj, err := f.Inject(ctx, faults.Target{Namespace: "ns", Pod: "mysql-0"})
	if err != nil {
		t.Fatal(err)
	}
	if askedNode != "worker2" || asked.Fault != Name || asked.Node != "worker2" || asked.Pod == nil || asked.Pod.UID != "u1" || asked.Pod.Name != "mysql-0" {
		t.Errorf("asked node %s: %+v", askedNode, asked)
	}
	if inj.Observed["agent.kill.mysql"] != "id=abc pid=4242" || inj.Observed["restarts.mysql"] != "0 → 1" || inj.Observed["lastTermination.mysql"] != "Error exit 137" ||
		inj.End.Before(inj.Start) {
		t.Errorf("injection %+v", inj)
	}
}

// No node agents, an agent that refuses, a container that never comes back: errors that say so.
func TestInjectErrors(t *testing.T) {
	ctx := context.Background()
	if err := (&Fault{}).Available(ctx); err == nil || !strings.Contains(err.Error(), "node agents") {
		t.Errorf("without node agents: %v", err)
	}
	refusing := func(context.Context, string) (*nodeagent.Client, error) {
		return nodeagent.NewClient(func(context.Context, string, string, http.Header, []byte) ([]byte, int, error) {
			return []byte(`{"error":"node worker2 is refused: it runs the harness's pods"}`), http.StatusForbidden, nil
		}, "t"), nil
	}
	f := &Fault{Client: &kube.Client{Clientset: fake.NewClientset(readyPod(0, 0))}, NodeAgent: refusing, RestartTimeout: time.Second}
	if _, err := f.Inject(ctx, faults.Target{Namespace: "ns", Pod: "mysql-0"}); err == nil || !strings.Contains(err.Error(), "node worker2") {
		t.Errorf("refused: %v", err)
	}
	silent := func(context.Context, string) (*nodeagent.Client, error) {
		return nodeagent.NewClient(func(context.Context, string, string, http.Header, []byte) ([]byte, int, error) {
			return []byte(`{"id":"process-kill-1","fault":"process-kill"}`), http.StatusOK, nil
		}, "t"), nil
	}
	f.NodeAgent = silent
	if _, err := f.Inject(ctx, faults.Target{Namespace: "ns", Pod: "mysql-0"}); err == nil || !strings.Contains(err.Error(), "did not become Ready again") {
		t.Errorf("never restarted: %v", err)
	}
	f.NodeAgent = func(context.Context, string) (*nodeagent.Client, error) {
		return nil, errors.New("no agent on worker2")
	}
	if _, err := f.Inject(ctx, faults.Target{Namespace: "ns", Pod: "mysql-0"}); err == nil || !strings.Contains(err.Error(), "no agent on worker2") {
		t.Errorf("agent missing: %v", err)
	}
}
