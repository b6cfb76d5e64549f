//go:build e2e

package suites

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/kube/lease"
)

// allNodes asks newSite for every worker node: the spec must own the cluster's workers (a
// Serial spec, whose pods or faults may land on any of them).
const allNodes = 0

// site is where one spec runs: its own namespace, the worker nodes leased to it (its pods are
// pinned there, its faults hit only there), and the StorageClass its PVCs use.
type site struct {
	ns    string
	nodes []string
	// storageClass is --storage-class, or --movable-storage-class for a spec whose pod must
	// move to another node.
	storageClass string
	// requireApplicable makes "not applicable" a failure (--require-applicable, or the movable
	// class, which exists to make those specs applicable).
	requireApplicable bool
}

// newSite leases n worker nodes (allNodes: every worker) for the current spec, waiting while
// other specs hold them, then creates its namespace (see namespace). A spec whose pod moves to
// another node (moves) runs on --movable-storage-class when one is set. The lease is released
// after every other clean-up of the spec: the namespace is gone and its faults are undone by
// then, so the next spec finds the nodes as this one found them.
func newSite(ctx context.Context, suite string, n int, moves bool) site {
	s := leaseSite(ctx, n, moves)
	s.ns = namespace(ctx, suite)
	return s
}

// leaseSite is newSite without the namespace: the nodes leased (see leaseNodes) and the class.
func leaseSite(ctx context.Context, n int, moves bool) site {
	s := site{nodes: leaseNodes(ctx, n), storageClass: flags.storageClass, requireApplicable: flags.requireApplicable}
	if moves && flags.movableStorageClass != "" && flags.movableStorageClass != flags.storageClass {
		s.storageClass, s.requireApplicable = flags.movableStorageClass, true
	}
	return s
}

// leased is what the current spec of this process leased, for its progress line (kept after the
// release, which comes before ReportAfterEach; reset when the next spec starts).
var leased struct {
	mu    sync.Mutex
	nodes []string
}

// leaseNodes leases n worker nodes (allNodes or more than the pool: all of them) for the
// current spec and registers their release as its first clean-up, so that it runs last. The
// nodes and the wait go into the report.
func leaseNodes(ctx context.Context, n int) []string {
	if n <= 0 || n > len(env.pool.Nodes()) {
		n = len(env.pool.Nodes())
	}
	holder := fmt.Sprintf("process %d (pid %d): %s", GinkgoParallelProcess(), os.Getpid(), CurrentSpecReport().FullText())
	waiting := make(chan struct{})
	go func() { // say who holds the nodes while the spec waits
		select {
		case <-waiting:
		case <-time.After(5 * time.Second):
			progressf("[proc %d] waits for %d node(s); held: %s", GinkgoParallelProcess(), n, describeHolders(env.pool.Holders()))
		}
	}()
	l, err := env.pool.Acquire(ctx, holder, n)
	close(waiting)
	Expect(err).NotTo(HaveOccurred(), "leasing %d worker node(s)", n)
	DeferCleanup(func() { Expect(l.Release()).To(Succeed()) })
	leased.mu.Lock()
	leased.nodes = l.Nodes()
	leased.mu.Unlock()
	AddReportEntry("leased nodes", l.Nodes())
	AddReportEntry("lease wait seconds", l.Waited.Seconds())
	progressf("[proc %d] leased %s after %.1f s", GinkgoParallelProcess(), strings.Join(l.Nodes(), ", "), l.Waited.Seconds())
	return l.Nodes()
}

func describeHolders(h map[string]string) string {
	if len(h) == 0 {
		return "none (another request is ahead in the queue)"
	}
	var parts []string
	for node, who := range h {
		who, _, _ = strings.Cut(who, ":") // "process N (pid P): spec" → "process N (pid P)"
		parts = append(parts, node+" by "+who)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// newPool opens the lease pool of the cluster's worker nodes (every node without the
// control-plane label). The lock directory is --lease-dir, or one per cluster (named by the UID
// of its kube-system namespace) shared by every process of this machine.
func newPool(ctx context.Context, c *kube.Client) (*lease.Pool, error) {
	nodes, err := c.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "!" + kube.LabelControlPlane})
	if err != nil {
		return nil, fmt.Errorf("list worker nodes: %w", err)
	}
	var workers []string
	for _, n := range nodes.Items {
		workers = append(workers, n.Name)
	}
	if len(workers) == 0 {
		return nil, fmt.Errorf("the cluster has no worker node (every node carries %s): the workloads run on workers only", kube.LabelControlPlane)
	}
	dir := flags.leaseDir
	if dir == "" {
		ks, err := c.Clientset.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("identify the cluster (namespace kube-system): %w", err)
		}
		dir = lease.DefaultDir(string(ks.UID))
	}
	return lease.Open(dir, workers)
}

// progress is the run's live progress log (--progress-file): parallel Ginkgo processes print a
// spec's output only once it ends, so `make e2e` and `stateproof certify` follow this file to
// show what runs now.
var progress struct {
	mu sync.Mutex
	f  *os.File
}

// progressf appends one time-stamped line to the progress log (if any).
func progressf(format string, args ...any) {
	progress.mu.Lock()
	defer progress.mu.Unlock()
	if progress.f == nil {
		if flags.progressFile == "" {
			return
		}
		if err := os.MkdirAll(filepath.Dir(flags.progressFile), 0o755); err != nil {
			return
		}
		f, err := os.OpenFile(flags.progressFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return
		}
		progress.f = f
	}
	// One write per line: O_APPEND keeps the processes' lines whole.
	fmt.Fprintf(progress.f, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

var _ = ReportBeforeEach(func(r SpecReport) {
	if r.State.Is(types.SpecStateSkipped | types.SpecStatePending) {
		return
	}
	leased.mu.Lock()
	leased.nodes = nil
	leased.mu.Unlock()
	progressf("[proc %d] start  %s", GinkgoParallelProcess(), r.FullText())
})

var _ = ReportAfterEach(func(r SpecReport) {
	if r.State.Is(types.SpecStatePending) || (r.State.Is(types.SpecStateSkipped) && r.RunTime == 0) {
		return
	}
	leased.mu.Lock()
	nodes := strings.Join(leased.nodes, ", ")
	leased.mu.Unlock()
	if nodes != "" {
		nodes = ", nodes " + nodes
	}
	progressf("[proc %d] %-6s %s (%.1f s%s)", GinkgoParallelProcess(), r.State, r.FullText(), r.RunTime.Seconds(), nodes)
})
