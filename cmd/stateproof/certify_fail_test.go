package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/reports"
)

// wantIncomplete runs c and checks the exit code, that the error and the certificate's reason
// contain want, and that the certificate is INCOMPLETE.
func wantIncomplete(t *testing.T, c *certifier, ctx context.Context, code int, want string) reports.Certificate {
	t.Helper()
	err := c.run(ctx)
	if exitCode(err) != code || !strings.Contains(fmt.Sprint(err), want) {
		t.Fatalf("error %v (exit code %d), want exit code %d with %q", err, exitCode(err), code, want)
	}
	cert := readCertificate(t, c)
	if cert.Complete || cert.Verdict != reports.SummaryIncomplete || cert.StorageClass != c.opts.storageClass || !strings.Contains(cert.Reason, want) {
		t.Errorf("certificate %q %q, reason %q; want INCOMPLETE with %q", cert.StorageClass, cert.Verdict, cert.Reason, want)
	}
	return cert
}

func TestCertifyMissingSuiteBinary(t *testing.T) {
	dir := t.TempDir()
	c, _ := testCertifier(t, dir, "standard", fakeCluster(nil), filepath.Join(dir, "_build", "suites.test"))
	c.connect = func(context.Context, string, string) (*kube.Client, error) {
		t.Error("connected although the suite binary is missing")
		return nil, errors.New("unreachable")
	}
	wantIncomplete(t, c, t.Context(), 2, "suite binary "+filepath.Join(dir, "_build", "suites.test")+" not found: build it with 'make suites'")
}

func TestCertifyMissingImagesFile(t *testing.T) {
	dir := t.TempDir()
	c, _ := testCertifier(t, dir, "standard", fakeCluster(nil), fakeBinary(t, dir, "report-standard.json", 1, false))
	c.opts.imagesFile = filepath.Join(dir, "nope.json")
	wantIncomplete(t, c, t.Context(), 2, "images file "+c.opts.imagesFile+" not found")
}

func TestCertifyUnknownStorageClass(t *testing.T) {
	dir := t.TempDir()
	cs := fakeCluster(nil)
	c, out := testCertifier(t, dir, "gold", cs, fakeBinary(t, dir, "report-standard.json", 1, false))
	cert := wantIncomplete(t, c, t.Context(), 2, `StorageClass "gold" not found; the cluster has: shared, standard (default: standard)`)
	if cert.Environment.Context != "kind-stateproof" {
		t.Errorf("environment lost the context: %+v", cert.Environment)
	}
	if _, err := os.Stat(filepath.Join(dir, "args")); err == nil {
		t.Error("the suites ran for an unknown class")
	}
	wantRunCleaned(t, cs, out.String())
}

func TestCertifyUnreachableCluster(t *testing.T) {
	dir := t.TempDir()
	c, _ := testCertifier(t, dir, "standard", fakeCluster(nil), fakeBinary(t, dir, "report-standard.json", 1, false))
	c.connect = func(_ context.Context, kc, kctx string) (*kube.Client, error) {
		return nil, fmt.Errorf("cluster of kubeconfig %s (context %q, server https://127.0.0.1:6443) does not answer: connection refused", kc, kctx)
	}
	wantIncomplete(t, c, t.Context(), 2, "cluster of kubeconfig "+c.opts.kubeconfig+` (context "", server https://127.0.0.1:6443) does not answer`)
}

func TestCertifyInsufficientPermissions(t *testing.T) {
	dir := t.TempDir()
	cs := fakeCluster(func(a authorizationv1.ResourceAttributes) bool {
		return a.Resource == "nodes" && a.Verb == "patch" || a.Subresource == "eviction"
	})
	c, _ := testCertifier(t, dir, "standard", cs, fakeBinary(t, dir, "report-standard.json", 1, false))
	cert := wantIncomplete(t, c, t.Context(), 2, "insufficient permissions: cannot patch nodes; cannot create pods/eviction in all namespaces")
	if cert.Environment.Provisioner != "rancher.io/local-path" {
		t.Errorf("environment lacks the class: %+v", cert.Environment)
	}
}

func TestCertifyNoReport(t *testing.T) {
	dir := t.TempDir()
	c, _ := testCertifier(t, dir, "standard", fakeCluster(nil), fakeBinary(t, dir, "", 2, false))
	// A report of an earlier run must not be taken for this one's.
	if err := os.MkdirAll(c.opts.reportDir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale, _ := os.ReadFile(filepath.Join("testdata", "certify", "report-shared.json"))
	if err := os.WriteFile(filepath.Join(c.opts.reportDir, ginkgoJSONReport), stale, 0o644); err != nil {
		t.Fatal(err)
	}
	wantIncomplete(t, c, t.Context(), 3, "the suite binary (exit code 2) left no usable report")
}

func TestCertifyKindClusterFails(t *testing.T) {
	dir := t.TempDir()
	c, _ := testCertifier(t, dir, "standard", fakeCluster(nil), fakeBinary(t, dir, "report-standard.json", 1, false))
	c.opts.kubeconfig = ""
	wantIncomplete(t, c, t.Context(), 3, "kind cluster: no kind in unit tests")
}

func TestCertifyUsesKindCluster(t *testing.T) {
	dir := t.TempDir()
	c, _ := testCertifier(t, dir, "standard", fakeCluster(nil), fakeBinary(t, dir, "report-standard.json", 1, false))
	kubeconfig := c.opts.kubeconfig
	c.opts.kubeconfig = ""
	c.kindCluster = func(context.Context) (string, error) { return kubeconfig, nil }
	if err := c.run(t.Context()); exitCode(err) != exitNotCertified {
		t.Fatalf("error %v, want NOT CERTIFIED", err)
	}
	if args, _ := os.ReadFile(filepath.Join(dir, "args")); !strings.Contains(string(args), "--kubeconfig="+kubeconfig+"\n") {
		t.Errorf("the suites did not get the kind cluster's kubeconfig:\n%s", args)
	}
}

func TestCertifyInterrupt(t *testing.T) {
	dir := t.TempDir()
	cs := fakeCluster(nil)
	c, out := testCertifier(t, dir, "standard", cs, fakeBinary(t, dir, "report-interrupted.json", 1, true))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
				break
			}
		}
		cancel() // Ctrl-C
	}()
	start := time.Now()
	wantIncomplete(t, c, ctx, 3, "Interrupted by User")
	if time.Since(start) > 8*time.Second {
		t.Errorf("the interrupted run took %s: the suite binary was not interrupted", time.Since(start))
	}
	if signals, _ := os.ReadFile(filepath.Join(dir, "signals")); string(signals) != "INT\n" {
		t.Errorf("the suite binary got %q, want exactly one SIGINT", signals)
	}
	if !strings.Contains(out.String(), "[certify] interrupted:") {
		t.Errorf("interrupt not logged:\n%s", out)
	}
	wantRunCleaned(t, cs, out.String())
}

func TestCertifyInterruptBeforeSuites(t *testing.T) {
	dir := t.TempDir()
	c, _ := testCertifier(t, dir, "standard", fakeCluster(nil), fakeBinary(t, dir, "report-standard.json", 1, false))
	c.opts.kubeconfig = ""
	ctx, cancel := context.WithCancel(t.Context())
	c.kindCluster = func(ctx context.Context) (string, error) {
		cancel()
		return "", ctx.Err()
	}
	wantIncomplete(t, c, ctx, 3, "interrupted: kind cluster: context canceled")
}
