package main

import (
	"strings"
	"testing"
)

func TestNodeAgentHelpDocumentsTheAPI(t *testing.T) {
	out, err := output(t, "node-agent", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"POST /v1/faults", "POST /v1/recover", "GET  /v1/status", "/healthz", "X-Stateproof-Token",
		"process-kill", "node-shutdown", "node-kubelet-stop", "node-partition", "deadlineSeconds", "--cri-endpoint", "--refuse-nodes", "--listen", ":9445"} {
		if !strings.Contains(out, want) {
			t.Errorf("node-agent --help lacks %q", want)
		}
	}
	if root, _ := output(t, "--help"); !strings.Contains(root, "node-agent") {
		t.Error("stateproof --help does not list node-agent")
	}
}

func TestNodeAgentNeedsItsEnvironment(t *testing.T) {
	t.Setenv("AGENT_TOKEN", "")
	t.Setenv("NODE_NAME", "worker-1")
	t.Setenv("POD_UID", "")
	_, err := output(t, "node-agent")
	if exitCode(err) != 2 || err.Error() != "node-agent: AGENT_TOKEN, --pod-uid (POD_UID) not set" {
		t.Fatalf("exit %d: %v", exitCode(err), err)
	}
	t.Setenv("AGENT_TOKEN", "t")
	t.Setenv("POD_UID", "u")
	if _, err := output(t, "node-agent", "--listen", "9445"); exitCode(err) != 2 || !strings.Contains(err.Error(), `--listen "9445": want [host]:port`) {
		t.Fatalf("bad --listen: exit %d: %v", exitCode(err), err)
	}
	if _, err := output(t, "node-agent", "extra"); exitCode(err) != 2 {
		t.Fatalf("argument: exit %d: %v", exitCode(err), err)
	}
}
