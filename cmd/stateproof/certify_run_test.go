package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/kube/preflight"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/reports"
	"github.com/stateproof/stateproof/reports/check"
)

const testRunID = "run0test01"

const testKubeconfig = `apiVersion: v1
kind: Config
current-context: kind-stateproof
clusters:
- name: kind-stateproof
  cluster: {server: "https://127.0.0.1:6443"}
contexts:
- name: kind-stateproof
  context: {cluster: kind-stateproof, user: kind}
users:
- name: kind
  user: {token: x}
`

// fakeBinary writes a stand-in for the suite binary: it records its arguments in dir/args,
// copies report (a testdata file, none when "") and junit.xml to the paths its Ginkgo flags
// name, and the specs' records (testdata artifacts-<class> for report-<class>.json) to its
// --artifacts folder, and exits with code. With interruptible it first waits (up to 30 s) for SIGINT, records
// it in dir/signals and then copies the report.
func fakeBinary(t *testing.T, dir, report string, code int, interruptible bool) string {
	t.Helper()
	abs := func(name string) string {
		p, err := filepath.Abs(filepath.Join("testdata", "certify", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	copyReports := ":"
	if report != "" {
		copyReports = fmt.Sprintf(`cp '%s' "$json" && cp '%s' "$junit"`, abs(report), abs("junit.xml"))
		// The specs' records: artifacts-<class> for report-<class>.json.
		records := abs(strings.Replace(strings.TrimSuffix(report, ".json"), "report-", "artifacts-", 1))
		if _, err := os.Stat(records); err == nil {
			copyReports += fmt.Sprintf(` && mkdir -p "$artifacts" && cp -R '%s'/. "$artifacts"/`, records)
		}
	}
	script := fmt.Sprintf(`#!/bin/sh
printf '%%s\n' "$@" > '%[1]s/args'
for a in "$@"; do
  case "$a" in
    --ginkgo.json-report=*) json="${a#*=}" ;;
    --ginkgo.junit-report=*) junit="${a#*=}" ;;
    --artifacts=*) artifacts="${a#*=}" ;;
  esac
done
echo "Running Suite: stateproof e2e (fake)"
`, dir)
	if interruptible {
		script += fmt.Sprintf(`trap 'echo INT >> "%[1]s/signals"; kill $pid; %[2]s; exit %[3]d' INT
sleep 30 >/dev/null 2>&1 &
pid=$!
touch '%[1]s/started'
wait $pid
exit 99
`, dir, copyReports, code)
	} else {
		script += fmt.Sprintf("%s\nexit %d\n", copyReports, code)
	}
	path := filepath.Join(dir, "suites.test")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeCluster is a kind-like cluster: StorageClasses standard (default) and shared, four
// nodes, a namespace of this run, one of another run and one of someone else; every access
// review is allowed except those deny returns true for.
func fakeCluster(deny func(authorizationv1.ResourceAttributes) bool) *fake.Clientset {
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	ns := func(name string, labels map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	objs := []runtime.Object{
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard", Annotations: map[string]string{preflight.DefaultClassAnnotation: "true"}},
			Provisioner: "rancher.io/local-path", VolumeBindingMode: &wffc},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "shared"}, Provisioner: "rancher.io/local-path",
			Parameters: map[string]string{"nodePath": "/var/local-path-shared"}, VolumeBindingMode: &wffc},
		ns("stateproof-mysql-abcde", map[string]string{kube.ManagedByLabel: "stateproof", kube.RunLabel: testRunID}),
		ns("stateproof-mysql-other", map[string]string{kube.ManagedByLabel: "stateproof", kube.RunLabel: "otherrun00"}),
		ns("default", nil),
	}
	for _, n := range []string{"stateproof-control-plane", "stateproof-worker", "stateproof-worker2", "stateproof-worker3"} {
		objs = append(objs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}})
	}
	cs := fake.NewClientset(objs...)
	cs.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: "v1.34.4"}
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		r.Status.Allowed = deny == nil || !deny(*r.Spec.ResourceAttributes)
		return true, r, nil
	})
	return cs
}

// testCertifier returns a certifier of class against cs with the suite binary binary, its
// report dir, kubeconfig and images file in dir.
func testCertifier(t *testing.T, dir, class string, cs *fake.Clientset, binary string) (*certifier, *syncBuffer) {
	t.Helper()
	kubeconfig, images := filepath.Join(dir, "kubeconfig"), filepath.Join(dir, "images.json")
	if err := os.WriteFile(kubeconfig, []byte(testKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(images, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	c := &certifier{
		opts: certifyOptions{
			storageClass: class, kubeconfig: kubeconfig, workloads: workloads.Names(), faults: faults.Names(),
			reportDir: filepath.Join(dir, "report"), suiteBinary: binary, imagesFile: images,
			timeout: time.Hour, readyTimeout: time.Minute,
		},
		out: out, errOut: out, runID: testRunID, interruptGrace: 10 * time.Second, cleanupTimeout: 10 * time.Second,
		connect: func(_ context.Context, kc, _ string) (*kube.Client, error) {
			if kc != kubeconfig {
				t.Errorf("connect to %q, want %q", kc, kubeconfig)
			}
			return &kube.Client{Clientset: cs}, nil
		},
		kindCluster:     func(context.Context) (string, error) { return "", errors.New("no kind in unit tests") },
		faultsAvailable: func(context.Context, *kube.Client, []string) error { return nil },
	}
	return c, out
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of the suite binary's output
// copiers and the interrupt line.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// readCertificate reads and validates the certificate written into the report dir, and checks
// that the HTML page is there too.
func readCertificate(t *testing.T, c *certifier) reports.Certificate {
	t.Helper()
	cert, err := loadCertificate(c.opts.reportDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.opts.reportDir, certificateHTML)); err != nil {
		t.Errorf("no certificate page: %v", err)
	}
	return cert
}

// namespaces lists the names of the fake cluster's namespaces.
func namespaces(t *testing.T, cs *fake.Clientset) []string {
	list, err := cs.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range list.Items {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	return names
}

// wantRunCleaned checks that the run's namespace is gone and the others stay.
func wantRunCleaned(t *testing.T, cs *fake.Clientset, out string) {
	t.Helper()
	if got, want := namespaces(t, cs), []string{"default", "stateproof-mysql-other"}; !slices.Equal(got, want) {
		t.Errorf("namespaces after the run %q, want %q", got, want)
	}
	if !strings.Contains(out, "[certify] clean-up: deleted namespace stateproof-mysql-abcde") {
		t.Errorf("deletion not logged:\n%s", out)
	}
}

func TestCertifyNodeBoundClassNotCertified(t *testing.T) {
	dir := t.TempDir()
	cs := fakeCluster(nil)
	c, out := testCertifier(t, dir, "standard", cs, fakeBinary(t, dir, "report-standard.json", 1, false))
	err := c.run(t.Context())
	if exitCode(err) != exitNotCertified || !strings.Contains(fmt.Sprint(err), `StorageClass "standard" is NOT CERTIFIED: 1 blocking row(s)`) {
		t.Fatalf("error %v (exit code %d), want NOT CERTIFIED (4)\n%s", err, exitCode(err), out)
	}
	cert := readCertificate(t, c)
	if cert.Verdict != reports.SummaryNotCertified || len(cert.Blocking) != 1 ||
		!strings.HasPrefix(cert.Blocking[0], "Data survives node loss with reschedule to another node: not applicable: volume pvc-0b7c is node-bound") {
		t.Errorf("verdict %q, blocking %q; want NOT CERTIFIED for node loss, node-bound", cert.Verdict, cert.Blocking)
	}
	env := cert.Environment
	if env.Context != "kind-stateproof" || env.Cluster != "kind-stateproof" || env.Nodes != 4 || env.KubernetesVersion != "v1.34.4" ||
		env.Provisioner != "rancher.io/local-path" || env.VolumeBindingMode != "WaitForFirstConsumer" || env.StateproofVersion == "" {
		t.Errorf("environment %+v", env)
	}
	for _, f := range []string{ginkgoJSONReport, ginkgoJUnit} {
		if _, err := os.Stat(filepath.Join(c.opts.reportDir, f)); err != nil {
			t.Errorf("Ginkgo's %s missing: %v", f, err)
		}
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	report, _ := filepath.Abs(c.opts.reportDir)
	for _, want := range []string{
		"--ginkgo.label-filter=" + certifyFilter(workloads.Names(), faults.Names(), ""),
		"--ginkgo.json-report=" + filepath.Join(report, "report.json"), "--kubeconfig=" + c.opts.kubeconfig,
		"--storage-class=standard", "--run-id=" + testRunID, "--artifacts=" + filepath.Join(report, "artifacts"),
	} {
		if !slices.Contains(strings.Split(string(args), "\n"), want) {
			t.Errorf("suite binary args lack %q:\n%s", want, args)
		}
	}
	for _, want := range []string{"Running Suite: stateproof e2e (fake)", "[certify] suites exited with code 1",
		"[certify] StorageClass standard: NOT CERTIFIED", "[certify]   Data survives node loss", "certificate.html"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	wantRunCleaned(t, cs, out.String())
}

func TestCertifyCertified(t *testing.T) {
	dir := t.TempDir()
	cs := fakeCluster(nil)
	c, out := testCertifier(t, dir, "shared", cs, fakeBinary(t, dir, "report-shared.json", 0, false))
	if err := c.run(t.Context()); err != nil {
		t.Fatalf("error %v (exit code %d), want CERTIFIED (0)\n%s", err, exitCode(err), out)
	}
	cert := readCertificate(t, c)
	if !cert.Certified || cert.Environment.Parameters["nodePath"] != "/var/local-path-shared" {
		t.Errorf("certificate %+v", cert)
	}
	// Rule 5: the certificate records what was run.
	if r := cert.Run; !slices.Equal(r.Workloads, workloads.Names()) || !slices.Equal(r.Faults, faults.Names()) ||
		!strings.Contains(r.LabelFilter, "check: containsAny") || r.SuiteRevision == "" {
		t.Errorf("run %+v: want the workloads, faults, label filter and suite revision", r)
	}
	wantRunCleaned(t, cs, out.String())
}

func TestCertifyInterruptedReportIsIncomplete(t *testing.T) {
	dir := t.TempDir()
	c, out := testCertifier(t, dir, "shared", fakeCluster(nil), fakeBinary(t, dir, "report-interrupted.json", 1, false))
	err := c.run(t.Context())
	if exitCode(err) != 3 || !strings.Contains(fmt.Sprint(err), "INCOMPLETE: suite stateproof e2e: Interrupted by User") {
		t.Fatalf("error %v (exit code %d), want INCOMPLETE (3)\n%s", err, exitCode(err), out)
	}
	if cert := readCertificate(t, c); cert.Complete || cert.Verdict != reports.SummaryIncomplete {
		t.Errorf("certificate %+v", cert)
	}
}

func TestCertifySelfTestNeedsTheChecksFailed(t *testing.T) {
	dir := t.TempDir()
	c, out := testCertifier(t, dir, "standard", fakeCluster(nil), fakeBinary(t, dir, "report-standard.json", 1, false))
	c.opts.expectFailed = []reports.Check{check.DataNodeLoss}
	err := c.run(t.Context())
	if exitCode(err) != 1 || !strings.Contains(fmt.Sprint(err), `check data-node-loss is "not-applicable", want "fail"`) {
		t.Fatalf("error %v (exit code %d): a not-applicable row must not pass the self-test\n%s", err, exitCode(err), out)
	}
}

func TestSelfTest(t *testing.T) {
	c := &certifier{out: io.Discard, opts: certifyOptions{expectFailed: []reports.Check{check.DataNodeRestart}}}
	failed := reports.Certificate{StorageClass: "volatile", Complete: true, Verdict: reports.SummaryFailed,
		Rows: []reports.Row{{Check: check.DataNodeRestart, Verdict: reports.Fail}, {Check: check.DataPodDelete, Verdict: reports.Pass}}}
	if err := c.selfTest(failed); err != nil {
		t.Errorf("the bad class failed data-node-restart, yet: %v", err)
	}
	passed := failed
	passed.Rows = []reports.Row{{Check: check.DataNodeRestart, Verdict: reports.Pass}}
	if err := c.selfTest(passed); exitCode(err) != 1 || !strings.Contains(err.Error(), `check data-node-restart is "pass", want "fail"`) {
		t.Errorf("got %v, want the self-test to fail", err)
	}
	incomplete := failed
	incomplete.Complete, incomplete.Verdict = false, reports.SummaryIncomplete
	if err := c.selfTest(incomplete); exitCode(err) != 1 || !strings.Contains(err.Error(), "is INCOMPLETE, want FAILED") {
		t.Errorf("got %v, want the self-test to fail on an incomplete certificate", err)
	}
	notCertified := failed
	notCertified.Verdict = reports.SummaryNotCertified
	if err := c.selfTest(notCertified); exitCode(err) != 1 || !strings.Contains(err.Error(), "is NOT CERTIFIED, want FAILED") {
		t.Errorf("got %v, want the self-test to fail on a certificate that is not FAILED", err)
	}
}

func TestFaultsAvailableNeedsKindNodes(t *testing.T) {
	// A node without a kind providerID: node failures cannot run, pod faults can.
	cs := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "gke-1"}, Spec: corev1.NodeSpec{ProviderID: "gce://p/z/gke-1"}})
	client := &kube.Client{Clientset: cs}
	if err := faultsAvailable(t.Context(), client, []string{"pod-delete", "node-drain"}); err != nil {
		t.Errorf("pod faults: %v", err)
	}
	err := faultsAvailable(t.Context(), client, []string{"pod-delete", "node-failure-kill"})
	if err == nil || !strings.Contains(err.Error(), "fault node-failure-kill cannot run on this cluster") || !strings.Contains(err.Error(), "--faults pod-delete") {
		t.Errorf("got %v, want an error naming node-failure-kill and the flag that leaves it out", err)
	}
}

// Rule 9: one exit code per outcome, and --expect-failed keeps 0 for a FAILED certificate with
// every listed check failed, 1 otherwise.
func TestCertifyExitCodePerOutcome(t *testing.T) {
	row := func(v reports.Verdict) []reports.Row {
		return []reports.Row{{Check: check.DataNodeRestart, Verdict: v}}
	}
	for _, tc := range []struct {
		cert         reports.Certificate
		expectFailed []reports.Check
		want         int
	}{
		{reports.Certificate{Complete: true, Certified: true, Verdict: reports.SummaryCertified, Rows: row(reports.Pass)}, nil, 0},
		{reports.Certificate{Complete: true, Verdict: reports.SummaryFailed, Rows: row(reports.Fail)}, nil, exitFailed},
		{reports.Certificate{Complete: true, Verdict: reports.SummaryNotCertified, Rows: row(reports.Error)}, nil, exitNotCertified},
		{reports.Certificate{Verdict: reports.SummaryIncomplete, Rows: row(reports.NotRun)}, nil, exitIncomplete},
		{reports.Certificate{Complete: true, Verdict: reports.SummaryFailed, Rows: row(reports.Fail)}, []reports.Check{check.DataNodeRestart}, 0},
		{reports.Certificate{Complete: true, Verdict: reports.SummaryNotCertified, Rows: row(reports.Error)}, []reports.Check{check.DataNodeRestart}, exitFailed},
	} {
		c := &certifier{out: io.Discard, opts: certifyOptions{expectFailed: tc.expectFailed}}
		err := c.verdict(t.TempDir(), tc.cert)
		got := 0
		if err != nil {
			got = exitCode(err)
		}
		if got != tc.want {
			t.Errorf("%s (expect-failed %v): exit code %d, want %d", tc.cert.Verdict, tc.expectFailed, got, tc.want)
		}
	}
}

// A previous run's spec records in the report directory do not decide this run's verdicts.
func TestCertifyIgnoresStaleRecords(t *testing.T) {
	dir := t.TempDir()
	c, out := testCertifier(t, dir, "shared", fakeCluster(nil), fakeBinary(t, dir, "report-shared.json", 0, false))
	stale := filepath.Join(c.opts.reportDir, artifactsDir, "old-spec")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "verdict.json"), []byte(`{"schemaVersion":"stateproof.io/spec-record/v3","name":"Provisioning binds a PVC of the StorageClass","phase":"judging","state":"failed","judgements":[{"judge":"storage","outcome":"fail","message":"stale"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.run(t.Context()); err != nil {
		t.Fatalf("error %v: a stale record decided a verdict\n%s", err, out)
	}
}

// Rule 4, preflight: certify refuses a cluster a dead run left degraded, naming stateproof
// cleanup, and writes an INCOMPLETE certificate.
func TestCertifyRefusesADegradedCluster(t *testing.T) {
	dir := t.TempDir()
	cs := fakeCluster(nil)
	n, _ := cs.CoreV1().Nodes().Get(t.Context(), "stateproof-worker2", metav1.GetOptions{})
	n.Labels = map[string]string{kube.FaultRunLabel: "deadrun000"}
	n.Spec.Unschedulable = true
	if _, err := cs.CoreV1().Nodes().Update(t.Context(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	c, out := testCertifier(t, dir, "shared", cs, fakeBinary(t, dir, "report-shared.json", 0, false))
	err := c.run(t.Context())
	if exitCode(err) != exitBadInput || !strings.Contains(fmt.Sprint(err), "stateproof-worker2 carries stateproof.io/fault-run=deadrun000") ||
		!strings.Contains(fmt.Sprint(err), "stateproof cleanup --all") {
		t.Fatalf("error %v (exit %d), want the degraded node named (2)\n%s", err, exitCode(err), out)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "args")); statErr == nil {
		t.Error("the suites ran on a degraded cluster")
	}
}
