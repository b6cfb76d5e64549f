//go:build e2e

// The end-to-end suites: real kind cluster, real workloads, real faults. Run them with
// `make test-e2e` (which brings the cluster up first) or `make e2e` against a running cluster.
package suites

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/nodeagent"
)

var flags struct {
	kubeconfig, kubeContext, imagesFile, artifacts, storageClass, runID string
	movableStorageClass, leaseDir, progressFile, workloadFile           string
	workloadFileSHA256                                                  string
	readyTimeout                                                        time.Duration
	requireApplicable                                                   bool
}

func init() {
	flag.StringVar(&flags.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster under test (make cluster-up writes _build/kubeconfig)")
	flag.StringVar(&flags.kubeContext, "context", "", "kubeconfig context (default: the current one)")
	flag.StringVar(&flags.imagesFile, "images-file", "", "image references written by `stateproof images build`")
	flag.StringVar(&flags.artifacts, "artifacts", "_artifacts", "folder for histories and, on failure, pod logs and events")
	flag.StringVar(&flags.storageClass, "storage-class", "standard", "StorageClass the workloads' PVCs use")
	flag.StringVar(&flags.runID, "run-id", "", "label (stateproof.io/run) for every namespace this run creates, so its caller can delete leftovers")
	flag.StringVar(&flags.movableStorageClass, "movable-storage-class", "", "StorageClass for the specs whose pod moves to another node (recovery:out-of-service), which then must be applicable (default: --storage-class)")
	flag.BoolVar(&flags.requireApplicable, "require-applicable", false, "fail, instead of skipping, a spec whose fault is not applicable to this StorageClass")
	flag.StringVar(&flags.leaseDir, "lease-dir", "", "lock directory of the worker-node leases, shared by every process testing the cluster (default: one per cluster under the temporary directory)")
	flag.StringVar(&flags.progressFile, "progress-file", "", "file that gets a line when a spec starts, waits for nodes, leases them and ends (default <artifacts>/progress.log)")
	flag.StringVar(&flags.workloadFile, "workload-file", "", "an external workload (docs/extending.md): its specs carry the label workload:external")
	flag.StringVar(&flags.workloadFileSHA256, "workload-file-sha256", "", "the digest --workload-file must have (certify passes the one it recorded)")
	flag.DurationVar(&flags.readyTimeout, "ready-timeout", 5*time.Minute, "how long a workload may take to become Ready")
}

func TestE2E(t *testing.T) {
	if flags.progressFile == "" {
		flags.progressFile = filepath.Join(flags.artifacts, "progress.log")
	}
	if flags.workloadFile != "" {
		if err := registerExternal(flags.workloadFile, flags.workloadFileSHA256); err != nil {
			t.Fatal(err)
		}
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "stateproof e2e")
}

var env *environment

var _ = BeforeSuite(func(ctx context.Context) {
	var err error
	env, err = newEnvironment(ctx)
	Expect(err).NotTo(HaveOccurred())
}, NodeTimeout(time.Minute))

// Every fault is undone by its spec's DeferCleanup; this checks, once all specs of every
// process ran (on process 1, holding every worker's lease, so that no spec of a concurrent run
// has a node down), that the cluster really is back: every node Ready, schedulable and free of
// failure taints.
var _ = SynchronizedAfterSuite(func() {}, func(ctx SpecContext) {
	if env == nil {
		return
	}
	l, err := env.pool.Acquire(ctx, fmt.Sprintf("process %d: the suite's final node check", GinkgoParallelProcess()), len(env.pool.Nodes()))
	Expect(err).NotTo(HaveOccurred(), "leasing every worker for the final node check")
	defer l.Release()
	if env.client.RunID != "" { // the run's node agents, if a spec deployed them
		Expect(nodeagent.DeleteFleet(ctx, env.client, env.client.RunID, 3*time.Minute)).To(Succeed(), "deleting the node agents")
	}
	Expect(env.client.WaitNodesHealthy(ctx, 3*time.Minute)).To(Succeed(), "a fault was not undone")
	// Every node is healthy and leased here: a fault label of this run still on one is stale.
	Expect(unmarkHealthyNodes(ctx)).To(Succeed())
}, NodeTimeout(20*time.Minute))

// unmarkHealthyNodes removes this run's fault label (kube.FaultRunLabel) from every node that
// is healthy; the error names a node it could not unmark.
func unmarkHealthyNodes(ctx context.Context) error {
	sel := kube.FaultRunLabel + "=" + env.client.FaultRunID()
	nodes, err := env.client.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return err
	}
	for _, n := range nodes.Items {
		if _, err := env.client.UnmarkNode(ctx, n.Name); err != nil {
			return err
		}
	}
	return nil
}
