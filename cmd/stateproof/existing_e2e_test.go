//go:build e2e

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/platform/images"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/fixtures/workloads/external"
)

// existingExample is the workload file of an existing StatefulSet, relative to this package.
const existingExample = "../../fixtures/workloads/external/examples/mysql-existing/workload.yaml"

// TestAnExistingStatefulSet plays the user of an existing StatefulSet: it installs the MySQL
// example's manifests into the example's namespace (orders-example), as their Helm chart would,
// with a table and row of their own, and runs the suites on it through the file (make test-e2e
// runs it after the suites: KUBECONFIG_OUT, IMAGES_FILE, ARTIFACTS). The specs must pass, and the
// run must leave what it found: the namespace, the StatefulSet at 1 Ready replica with its
// templates unchanged, the same PVCs, the user's row, and no stateproof_* table.
func TestAnExistingStatefulSet(t *testing.T) {
	kubeconfig, imagesFile := absEnv(t, "KUBECONFIG_OUT"), absEnv(t, "IMAGES_FILE")
	artifacts := filepath.Join(absEnv(t, "ARTIFACTS"), "external", "mysql-existing")
	build, err := filepath.Abs("../../_build")
	if err != nil {
		t.Fatal(err)
	}
	file, err := external.Load(existingExample, faults.Names(), external.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	ns, sts := file.Spec.Namespace, file.Spec.StatefulSet
	client, err := kube.Connect(t.Context(), kubeconfig, "")
	if err != nil {
		t.Fatal(err)
	}
	install(t, client, imagesFile, ns)

	// The user's own data, which the run must not touch, and what the namespace holds.
	sql(t, client, ns, "CREATE TABLE stateproof.orders (id INT PRIMARY KEY); INSERT INTO stateproof.orders VALUES (7)")
	before, err := client.Clientset.AppsV1().StatefulSets(ns).Get(t.Context(), sts, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claims := claimNames(t, client, ns)

	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	run := fmt.Sprintf("existing-%d", time.Now().Unix())
	cmd := exec.CommandContext(t.Context(), filepath.Join(build, "ginkgo"), "-v", "--procs=1", "--label-filter=workload:external",
		"--json-report=report.json", "--output-dir="+artifacts, filepath.Join(build, "suites.test"), "--",
		"--kubeconfig="+kubeconfig, "--images-file="+imagesFile, "--artifacts="+artifacts, "--storage-class=standard",
		"--workload-file="+mustAbs(t, existingExample), "--run-id="+run)
	cmd.Stdout, cmd.Stderr = prefixed(t, "[existing] "), prefixed(t, "[existing] ")
	if err := cmd.Run(); err != nil {
		t.Errorf("the suites on the existing StatefulSet: %v", err)
	}
	if passed := passedSpecs(t, filepath.Join(artifacts, "report.json")); len(passed) < 3 {
		t.Errorf("%d specs passed (%s), want at least 3: pod-delete, node kill and back, the ordering check", len(passed), strings.Join(passed, "; "))
	}

	n, err := client.Clientset.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{})
	if err != nil || n.Status.Phase != corev1.NamespaceActive {
		t.Fatalf("the user's namespace %s after the run: %v, %v: want it kept", ns, n, err)
	}
	if err := client.WaitStatefulSetReady(t.Context(), ns, sts, time.Minute); err != nil {
		t.Errorf("the user's StatefulSet after the run: %v", err)
	}
	after, err := client.Clientset.AppsV1().StatefulSets(ns).Get(t.Context(), sts, metav1.GetOptions{})
	switch {
	case err != nil:
		t.Errorf("the user's StatefulSet after the run: %v", err)
	case after.Spec.Replicas == nil || *after.Spec.Replicas != 1:
		t.Errorf("StatefulSet %s/%s has spec.replicas %v after the run, want 1 as installed", ns, sts, after.Spec.Replicas)
	case !equality.Semantic.DeepEqual(before.Spec.Template, after.Spec.Template) || !equality.Semantic.DeepEqual(before.Spec.VolumeClaimTemplates, after.Spec.VolumeClaimTemplates):
		t.Errorf("StatefulSet %s/%s: its pod or claim templates changed during the run", ns, sts)
	}
	if got := claimNames(t, client, ns); !slices.Equal(got, claims) {
		t.Errorf("PVCs of %s after the run: %v, want those before it: %v (the scale-up's are deleted)", ns, got, claims)
	}
	if rows := sql(t, client, ns, "SELECT id FROM stateproof.orders"); rows != "7" {
		t.Errorf("the user's table stateproof.orders holds %q after the run, want its one row 7", rows)
	}
	tables := sql(t, client, ns, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'stateproof'")
	if tables != "orders" {
		t.Errorf("database stateproof holds tables %q after the run, want only the user's (orders): the agents' tables must be dropped", tables)
	}
}

// install creates namespace ns and deploys the MySQL example's manifests in it with the run's
// MySQL image (through the external workload's own Deploy, with no node pinned), waiting until
// it is Ready; the namespace is deleted when the test ends.
func install(t *testing.T, client *kube.Client, imagesFile, ns string) {
	t.Helper()
	set, err := images.ReadSetFile(imagesFile)
	if err != nil {
		t.Fatal(err)
	}
	file, err := external.Load("../../fixtures/workloads/external/examples/mysql/workload.yaml", faults.Names(), external.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	w, err := external.Workload(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Clientset.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("the user's namespace: %v", err)
	}
	t.Cleanup(func() { // t.Context() is cancelled by now
		if err := client.DeleteNamespace(context.Background(), ns, 3*time.Minute); err != nil {
			t.Errorf("deleting the user's namespace at the end: %v", err)
		}
	})
	site := workloads.Site{Client: client, Namespace: ns, StorageClass: "standard", Images: set, ReadyTimeout: 5 * time.Minute}
	if _, err := w.Deploy(t.Context(), site); err != nil {
		t.Fatalf("installing the user's StatefulSet: %v", err)
	}
}

// sql runs statements as MySQL's root user in pod mysql-0 of ns and returns the output (rows
// one per line, no column names).
func sql(t *testing.T, client *kube.Client, ns, statements string) string {
	t.Helper()
	out, err := client.Exec(t.Context(), ns, "mysql-0", "mysql", "sh", "-c",
		`MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -h 127.0.0.1 -uroot -N -B -e "$0"`, statements)
	if err != nil {
		t.Fatalf("mysql in %s/mysql-0: %q: %v", ns, statements, err)
	}
	return strings.TrimSpace(out)
}

// passedSpecs returns the texts of the passed specs in a Ginkgo JSON report; a failed spec
// fails the test.
func passedSpecs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var passed []string
	for _, r := range reports {
		for _, s := range r.SpecReports {
			switch {
			case s.LeafNodeType != types.NodeTypeIt:
			case s.State == types.SpecStatePassed:
				passed = append(passed, s.FullText())
			case s.State.Is(types.SpecStateFailureStates):
				t.Errorf("spec %s: %s", s.FullText(), s.State)
			}
		}
	}
	slices.Sort(passed)
	return passed
}

// claimNames returns the names of the PVCs in ns, sorted.
func claimNames(t *testing.T, client *kube.Client, ns string) []string {
	t.Helper()
	list, err := client.Clientset.CoreV1().PersistentVolumeClaims(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, pvc := range list.Items {
		names = append(names, pvc.Name)
	}
	slices.Sort(names)
	return names
}

// mustAbs is path made absolute.
func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
