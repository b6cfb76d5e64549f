//go:build e2e

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/reports"
)

// TestCertifyInterruptedWhileANodeIsDown runs `stateproof certify` on the project's kind
// cluster (make test-e2e runs it after the suites: KUBECONFIG_OUT, IMAGES_FILE, KIND_CLUSTER),
// interrupts it (SIGINT, as Ctrl-C) while a node-failure-stop spec has its node down, and checks
// that it exits 3 with an INCOMPLETE certificate and leaves every node Ready and free of fault
// cordons, taints and labels, no paused or stopped node container and no stateproof namespace.
func TestCertifyInterruptedWhileANodeIsDown(t *testing.T) {
	kubeconfig, images, cluster := absEnv(t, "KUBECONFIG_OUT"), absEnv(t, "IMAGES_FILE"), os.Getenv("KIND_CLUSTER")
	if cluster == "" {
		t.Fatal("KIND_CLUSTER is not set: run this test through make test-e2e")
	}
	build, err := filepath.Abs("../../_build")
	if err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(t.TempDir(), "report")
	cmd := exec.Command(filepath.Join(build, "stateproof"), "certify", "--kubeconfig", kubeconfig, "--images-file", images,
		"--storage-class", "standard", "--workloads", "mysql", "--faults", "node-failure-stop", "--report-dir", report,
		"--suite-binary", filepath.Join(build, "suites.test"), "--ginkgo", filepath.Join(build, "ginkgo"))
	cmd.Stdout, cmd.Stderr = prefixed(t, "[interrupted certify] "), prefixed(t, "[interrupted certify] ")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	node := waitNodeContainerDown(t, cluster, 20*time.Minute, done)
	t.Logf("node container %s is down: interrupting certify (SIGINT)", node)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(35 * time.Minute):
		t.Fatal("certify did not exit within 35 minutes of the interrupt")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitIncomplete {
		t.Errorf("certify exited %d after the interrupt, want %d (INCOMPLETE)", code, exitIncomplete)
	}
	if cert, err := loadCertificate(report); err != nil || cert.Verdict != reports.SummaryIncomplete {
		t.Errorf("certificate: %v, verdict %q; want INCOMPLETE", err, cert.Verdict)
	}

	client, err := kube.Connect(t.Context(), kubeconfig, "")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := client.Clientset.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.Items {
		if p := kube.NodeProblem(&n); p != "" {
			t.Errorf("left behind: %s", p)
		}
		if run, ok := n.Labels[kube.FaultRunLabel]; ok {
			t.Errorf("left behind: node %s still labelled %s=%s", n.Name, kube.FaultRunLabel, run)
		}
	}
	if out := dockerPS(t, cluster); strings.Contains(out, "exited") || strings.Contains(out, "paused") {
		t.Errorf("left behind: node containers not running:\n%s", out)
	}
	nss, err := client.Clientset.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range nss.Items {
		if strings.HasPrefix(ns.Name, "stateproof-") {
			t.Errorf("left behind: namespace %s (%s)", ns.Name, ns.Status.Phase)
		}
	}
}

// absEnv returns the environment variable key as an absolute path, failing the test when unset.
func absEnv(t *testing.T, key string) string {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		t.Fatalf("%s is not set: run this test through make test-e2e", key)
	}
	if filepath.IsAbs(v) {
		return v
	}
	p, err := filepath.Abs(filepath.Join("../..", v)) // relative to the project root, where make runs
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitNodeContainerDown polls the kind cluster's node containers every second until one has
// exited and returns its name; the test fails after timeout, or when certify ends first (done).
func waitNodeContainerDown(t *testing.T, cluster string, timeout time.Duration, done <-chan error) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	for {
		for _, line := range strings.Split(dockerPS(t, cluster), "\n") {
			if name, state, ok := strings.Cut(line, " "); ok && state == "exited" {
				return name
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no node container of kind cluster %s stopped within %s: the node-failure-stop spec never ran", cluster, timeout)
		case err := <-done:
			t.Fatalf("certify ended (%v) before any node container of kind cluster %s stopped: nothing was interrupted", err, cluster)
		case <-time.After(time.Second):
		}
	}
}

// dockerPS lists the kind cluster's node containers as "<name> <state>" lines.
func dockerPS(t *testing.T, cluster string) string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-a", "--filter", "label=io.x-k8s.kind.cluster="+cluster, "--format", "{{.Names}} {{.State}}").Output()
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// prefixed is a writer that logs each write through t.Log, prefixed.
func prefixed(t *testing.T, prefix string) *logWriter { return &logWriter{t: t, prefix: prefix} }

type logWriter struct {
	t      *testing.T
	prefix string
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
