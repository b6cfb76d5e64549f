//go:build e2e

package suites

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/faults"
	_ "github.com/stateproof/stateproof/faults/all" // every fault registers itself
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/workloads"
	_ "github.com/stateproof/stateproof/fixtures/workloads/all" // every workload registers itself
	"github.com/stateproof/stateproof/suites/labels"
)

// The data-survival table: every registered workload meets every registered fault path
// (workloads.Table), each spec deciding its path's certificate check. A failed node's pod stays
// bound to it until the node returns or is declared out of service (KEP-2268); a deleted
// StatefulSet pod is recreated under the same name with the same PVC; a drain evicts the pod,
// which comes back once the node is uncordoned (or elsewhere when its volume can follow it).
var _ = Describe("Data survival", func() {
	for _, w := range workloads.All() {
		dataSurvivalTable(w)
	}
})

// dataSurvivalTable declares "keeps every acknowledged write" for w over its rows of the
// data-survival table. The specs run in parallel with others: each leases the nodes it
// occupies. Their specs also check the target's identity, after the data, but do not decide the
// certificate's identity row: a data loss would blame identity too. The StatefulSet identity
// specs decide it.
func dataSurvivalTable(w workloads.Workload) {
	ls := []string{w.Label()}
	if w.Control {
		ls = append(ls, labels.Negative)
	}
	Describe(w.Title, Label(ls...), func() {
		args := []any{Label(labels.Disruptive), keepsWrites}
		for _, r := range workloads.Table(w, faults.All()) {
			args = append(args, Entry(r.Text(), Label(r.Labels()...), r, SpecTimeout(r.Path.Timeout)))
		}
		DescribeTable("keeps every acknowledged write", args...)
	})
}

// keepsWrites is the data-survival spec body of row r: it leases r's workload's nodes plus the
// fault's spare ones, deploys the workload there and runs dataSurvivesFault (lossDetected for a
// negative control, which must lose writes).
func keepsWrites(ctx SpecContext, r workloads.Row) {
	w := r.Workload
	n := w.Nodes + r.Path.Spare
	if r.Path.EvictsNode {
		n = max(n, w.DrainNodes)
	}
	s := newWorkloadSite(ctx, w, n, r.Path.MovesPod)
	target, start := deploy(ctx, w, s)
	f := r.Path.New(faultDeps())
	requireApplicable(ctx, s, f, target)
	if w.Control {
		negativeControl()
		lossDetected(ctx, w, start(), f, target)
		return
	}
	dataSurvivesFault(ctx, w, start(), f, target)
}

// newWorkloadSite is newSite for a spec of w that occupies n worker nodes (moves: its pod moves
// to another node): an Unpinned workload's spec leases every worker instead, and stays on
// --storage-class, the class its PVCs already use.
func newWorkloadSite(ctx SpecContext, w workloads.Workload, n int, moves bool) site {
	if w.Unpinned {
		return newSite(ctx, w.Name, allNodes, false)
	}
	return newSite(ctx, w.Name, n, moves)
}

// deploy deploys w on s (its namespace, nodes and StorageClass) and returns the pod its faults
// hit and a function that starts its in-cluster writer (called after requireApplicable). A
// target outside the spec's namespace (an existing StatefulSet) has its diagnostics saved when
// the spec fails; a deployment that asks for it has the agent remove its data at the end.
func deploy(ctx SpecContext, w workloads.Workload, s site) (faults.Target, func() *agent.Handle) {
	By("deploying " + w.Title + " on StorageClass " + s.storageClass)
	d, err := w.Deploy(ctx, workloads.Site{
		Client: env.client, Namespace: s.ns, StorageClass: s.storageClass, Nodes: s.nodes, Images: env.images, ReadyTimeout: flags.readyTimeout,
	})
	Expect(err).NotTo(HaveOccurred())
	for _, k := range slices.Sorted(maps.Keys(d.Settings)) {
		AddReportEntry(k, d.Settings[k])
	}
	if ns := d.Target.Namespace; ns != s.ns {
		DeferCleanup(func(ctx context.Context) {
			if CurrentSpecReport().Failed() {
				if err := env.client.SaveDiagnostics(ctx, ns, specArtifacts("diagnostics-"+ns)); err != nil {
					GinkgoWriter.Printf("saving diagnostics of %s: %v\n", ns, err)
				}
			}
		})
	}
	return d.Target, func() *agent.Handle {
		spec := d.Agent
		spec.Namespace, spec.Name = s.ns, "agent"
		a := startAgent(ctx, spec)
		if d.RemoveData {
			// Registered after the namespace's clean-up and before the fault's recovery
			// (clean-ups run last registered first): it runs after the recovery, while the
			// agent and the workload are still there.
			DeferCleanup(func(ctx context.Context) {
				Expect(a.Remove(ctx)).To(Succeed(), "the agent removing its data from %s", d.Target)
			}, NodeTimeout(agent.ReadBackTimeout+time.Minute))
		}
		return a
	}
}

// faultDeps are what every fault of the suites is made with: the cluster, the ready timeout,
// and the harness's own pods, which no fault may disrupt.
func faultDeps() faults.Deps {
	return faults.Deps{Client: env.client, ReadyTimeout: flags.readyTimeout, Protected: []string{agent.Selector}, Log: GinkgoWriter}
}

// registered returns the registered fault path of fault name and recovery label value recovery
// ("" for none) and a function making its fault for a spec. It panics while the spec tree is
// built when there is none: a spec naming an unregistered fault is a programming error.
func registered(name, recovery string) (faults.Kind, faults.Path, func() faults.Fault) {
	k, p, ok := faults.LookupPath(name, recovery)
	if !ok {
		panic(fmt.Sprintf("suites: no registered fault %q with recovery path %q (registered: %v)", name, recovery, faults.Names()))
	}
	return k, p, func() faults.Fault { return p.New(faultDeps()) }
}

// minAcked is w's precondition: the acknowledged writes needed before the fault.
func minAcked(w workloads.Workload) int {
	if w.Judging.MinAcked > 0 {
		return w.Judging.MinAcked
	}
	return minAckedBeforeFault
}
