//go:build e2e

package suites

import (
	"context"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/stateproof/stateproof/faults"
	_ "github.com/stateproof/stateproof/faults/all" // every fault registers itself
	"github.com/stateproof/stateproof/fixtures/nodeagent"
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
// data-survival table: one Ordered container per group of rows that share a deployment
// (workloads.Groups), whose specs run one after the other on one deployment of w (see
// deployment), each with its own agent, history and verdict. ContinueOnFailure: a spec that
// fails does not skip the next ones, which get a new deployment. The containers run in parallel
// with the others: each leases the nodes it occupies. The specs also check the target's
// identity, after the data, but do not decide the certificate's identity row: a data loss would
// blame identity too. The StatefulSet identity specs decide it.
func dataSurvivalTable(w workloads.Workload) {
	ls := []string{w.Label()}
	if w.Control {
		ls = append(ls, labels.Negative)
	}
	Describe(w.Title, Label(ls...), func() {
		for _, g := range workloads.Groups(w, faults.All()) {
			// No text: the specs keep the names they had when each had a deployment of its own.
			Describe("", Ordered, ContinueOnFailure, SpecPriority(priority(w, g)), func() {
				d := shareDeployment(w, g.Nodes, g.MovesPod)
				args := []any{Label(labels.Disruptive), func(ctx SpecContext, r workloads.Row) { keepsWrites(ctx, d, r) }}
				for _, r := range g.Rows {
					args = append(args, Entry(r.Text(), Label(r.Labels()...), r, SpecTimeout(r.Path.Timeout)))
				}
				DescribeTable("keeps every acknowledged write", args...)
			})
		}
	})
}

// priority is the Ginkgo SpecPriority of group g of w: the longer groups start first
// ("boulders first, then sand"), so that the parallel processes end close together instead of
// one running a long group alone at the end. A row whose fault hits a node weighs 2 (the node
// lifecycle controller's grace period, the node's return), another 1, times the nodes w occupies;
// weights 16, 8 and 4 and up are priorities 3, 2 and 1, lighter groups and the other specs 0.
func priority(w workloads.Workload, g workloads.Group) int {
	weight := 0
	for _, r := range g.Rows {
		if r.Path.Timeout >= faults.NodeSpecTimeout {
			weight += 2
		} else {
			weight++
		}
	}
	weight *= w.Nodes
	switch {
	case weight >= 16:
		return 3
	case weight >= 8:
		return 2
	case weight >= 4:
		return 1
	}
	return 0
}

// keepsWrites is the data-survival spec body of row r on deployment d: the workload made ready
// for this spec (deployment.ensure), the fault's applicability checked before any write, then
// an agent of its own writing while the fault hits and recovers (dataSurvivesFault, or
// lossDetected for a negative control, which must lose writes).
func keepsWrites(ctx SpecContext, d *deployment, r workloads.Row) {
	target := d.ensure(ctx)
	f := r.Path.New(faultDeps())
	requireApplicable(ctx, d.s, f, target)
	if r.Workload.Control {
		negativeControl()
		lossDetected(ctx, r.Workload, d.startAgent(ctx), f, target)
		return
	}
	dataSurvivesFault(ctx, r.Workload, d.startAgent(ctx), f, target)
}

// deployOnce is a deployment of w on n worker nodes (moves: see deployment) for the current spec
// alone: its nodes leased now, its namespace deleted when the spec ends.
func deployOnce(ctx SpecContext, w workloads.Workload, n int, moves bool) *deployment {
	d := newDeployment(w, n, moves)
	d.lease(ctx)
	return d
}

// faultDeps are what every fault of the suites is made with: the cluster, the ready timeout,
// and the harness's own pods, which no fault may disrupt.
func faultDeps() faults.Deps {
	return faults.Deps{Client: env.client, ReadyTimeout: flags.readyTimeout, Protected: []string{agent.Selector}, Log: GinkgoWriter,
		NodeAgent: nodeAgent}
}

// nodeAgents is this process's handle on the run's node agents (fixtures/nodeagent): the first
// spec of any process that needs one deploys them (EnsureFleet finds another process's), and
// they go once every process has finished (SynchronizedAfterSuite).
var nodeAgents struct {
	mu    sync.Mutex
	fleet *nodeagent.Fleet
}

// nodeAgentTimeout bounds the wait for a node agent to be Ready (its pod pulled and started).
const nodeAgentTimeout = 2 * time.Minute

// nodeAgent is faults.Deps.NodeAgent: the client of the run's node agent on node.
func nodeAgent(ctx context.Context, node string) (*nodeagent.Client, error) {
	nodeAgents.mu.Lock()
	if nodeAgents.fleet == nil {
		f, err := nodeagent.EnsureFleet(ctx, env.client, nodeagent.FleetOptions{RunID: env.client.RunID, Image: env.images.Agent})
		if err != nil {
			nodeAgents.mu.Unlock()
			return nil, err
		}
		nodeAgents.fleet = f
	}
	f := nodeAgents.fleet
	nodeAgents.mu.Unlock()
	return f.Agent(ctx, node, nodeAgentTimeout)
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
