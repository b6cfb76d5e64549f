//go:build e2e

package suites

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/nodefailure"
	"github.com/stateproof/stateproof/faults/poddelete"
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/workloads/redis"
)

// workload is a reference workload as the data-survival table runs it: every workload meets
// every fault through the same steps (dataSurvivesFault).
type workload struct {
	// name is the label value (workload:<name>) and the namespace prefix.
	name string
	// title names it in the spec text, with the durability setting it runs.
	title string
	// nodes is how many worker nodes its pods occupy (leased for the spec; a fault whose pod
	// moves leases one more).
	nodes int
	// drainNodes, when larger, is how many nodes a drain spec leases: a drain evicts every pod
	// of its node, and a PodDisruptionBudget allowing one disruption blocks it for good when
	// two of its pods share the drained node and neither can go elsewhere. Redis spreads its
	// 3 pods over 3 nodes (preferred anti-affinity), one per node.
	drainNodes int
	// claimTemplate is the volumeClaimTemplates name of the StatefulSet whose pod faults hit;
	// empty when the faults hit a Deployment's pod (no identity to keep).
	claimTemplate string
	// uniqueKinds are the history kinds (history.Op.Kind) whose every acknowledged id must be
	// read back after recovery.
	uniqueKinds []string
	// minAcked, when > 0, replaces minAckedBeforeFault as the precondition: the acknowledged
	// writes needed before the fault (a workload with a low write rate needs fewer).
	minAcked int
	// maxRPO, when > 0, tolerates the loss of writes acknowledged in that window before the
	// fault (Redis with appendfsync everysec); the measured RPO must stay within it.
	maxRPO time.Duration
	// deploy deploys the workload on s. It returns the pod the faults hit and a function that
	// starts the writer (called after requireApplicable).
	deploy func(ctx SpecContext, s site) (faults.Target, func() *agent.Handle)
	// registers asks for the register linearizability judge on the history (Redis).
	registers bool
}

// acked is the precondition of w: acknowledged writes needed before the fault.
func (w workload) acked() int {
	if w.minAcked > 0 {
		return w.minAcked
	}
	return minAckedBeforeFault
}

// keepsWrites is the data-survival spec body of workload w: it leases w's nodes plus the
// fault's spare ones, deploys w there and runs dataSurvivesFault.
func keepsWrites(w workload) func(ctx SpecContext, c faultCase) {
	return func(ctx SpecContext, c faultCase) {
		n := w.nodes + c.spare
		if c.fault == "node-drain" {
			n = max(n, w.drainNodes)
		}
		s := newSite(ctx, w.name, n, c.movesPod)
		target, start := w.deploy(ctx, s)
		f := c.newFault()
		requireApplicable(ctx, s, f, target)
		dataSurvivesFault(ctx, w, start(), f, target)
	}
}

// faultCase is one row of the fault table: a fault, how it recovers, and the certificate checks
// (check:<id>, see package reports) its data-survival spec decides.
type faultCase struct {
	text     string
	fault    string // fault:<name> label, the fault's Name()
	labels   []string
	newFault func() faults.Fault
	timeout  time.Duration
	// spare is how many worker nodes the fault needs beyond the workload's own: somewhere for
	// the pod to go once its node is out of service. (A drained pod may wait for its own node's
	// uncordon: the drain specs judge the eviction, not a move.)
	spare int
	// movesPod marks the specs whose pod must come back on another node (out of service): they
	// run on --movable-storage-class.
	movesPod bool
}

// faultCases is every fault of the faults package.
//
// A deleted StatefulSet pod is recreated under the same name with the same PVC
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage); a
// failed node's pod stays bound to it until the node returns or is declared out of service
// (KEP-2268); a drain evicts the pod, which comes back once the node is uncordoned (or elsewhere
// when its volume can follow it).
func faultCases() []faultCase {
	const pod, node = 15 * time.Minute, 20 * time.Minute
	returns, oos := "recovery:node-returns", "recovery:out-of-service"
	return []faultCase{
		{text: "when its pod is deleted", fault: "pod-delete", labels: []string{"check:data-pod-delete"}, newFault: podDelete(false), timeout: pod},
		{text: "when its pod is force-deleted (grace period 0)", fault: "pod-delete-force", labels: []string{"check:data-pod-delete"}, newFault: podDelete(true), timeout: pod},
		{text: "when its node is stopped and comes back", fault: "node-failure-stop", labels: []string{returns, "check:data-node-restart"}, newFault: nodeFailure(nodefailure.Stop, nodefailure.NodeReturns), timeout: node},
		{text: "when its node is killed and comes back", fault: "node-failure-kill", labels: []string{returns, "check:data-node-restart"}, newFault: nodeFailure(nodefailure.Kill, nodefailure.NodeReturns), timeout: node},
		{text: "when its node is paused and comes back", fault: "node-failure-pause", labels: []string{returns, "check:data-node-restart"}, newFault: nodeFailure(nodefailure.Pause, nodefailure.NodeReturns), timeout: node},
		{text: "when its node is stopped and declared out of service", fault: "node-failure-stop", labels: []string{oos, "check:data-node-loss"}, newFault: nodeFailure(nodefailure.Stop, nodefailure.OutOfService), timeout: node, spare: 1, movesPod: true},
		{text: "when its node is killed and declared out of service", fault: "node-failure-kill", labels: []string{oos, "check:data-node-loss"}, newFault: nodeFailure(nodefailure.Kill, nodefailure.OutOfService), timeout: node, spare: 1, movesPod: true},
		{text: "when its node is drained", fault: "node-drain", labels: []string{"check:data-drain"}, newFault: func() faults.Fault { return newDrain() }, timeout: node},
	}
}

// faultEntries turns the fault cases accepted by keep (nil keeps all) into table entries. Their
// specs also check the target's identity, after the data, but do not decide the certificate's
// identity row: a data loss would blame identity too. The StatefulSet identity specs decide it.
func faultEntries(keep func(faultCase) bool) []any {
	var entries []any
	for _, c := range faultCases() {
		if keep != nil && !keep(c) {
			continue
		}
		labels := append([]string{"fault:" + c.fault}, c.labels...)
		entries = append(entries, Entry(c.text, Label(labels...), c, SpecTimeout(c.timeout)))
	}
	return entries
}

// dataSurvivalTable declares "keeps every acknowledged write" for w over the fault cases
// accepted by keep. The specs run in parallel with others: each leases the nodes it occupies.
func dataSurvivalTable(w workload, keep func(faultCase) bool) {
	Describe(w.title, Label("workload:"+w.name), func() {
		args := append([]any{Label("disruptive"), keepsWrites(w)}, faultEntries(keep)...)
		DescribeTable("keeps every acknowledged write", args...)
	})
}

var _ = Describe("Data survival", func() {
	dataSurvivalTable(mysqlWorkload(), nil)
	dataSurvivalTable(redisWorkload(redis.Params{}), nil)
})

func podDelete(force bool) func() faults.Fault {
	return func() faults.Fault {
		return &poddelete.Fault{Client: env.client, Force: force, RecreateTimeout: flags.readyTimeout}
	}
}

func nodeFailure(mode nodefailure.Mode, recovery nodefailure.Recovery) func() faults.Fault {
	return func() faults.Fault {
		return &nodefailure.Fault{Client: env.client, Mode: mode, Recovery: recovery, RecoverTimeout: flags.readyTimeout}
	}
}
