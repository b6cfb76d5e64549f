package drain

import (
	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/reports/check"
)

// Name is the drain fault's name.
const Name = "node-drain"

// A drain evicts the pod, which comes back once the node is uncordoned (or elsewhere when its
// volume can follow it). kubectl's drain helper gets the DaemonSet of each DaemonSet pod on the
// node, and cordons through a patch.
func init() {
	faults.Register(faults.Kind{
		Name:    Name,
		Summary: "cordon the pod's node and evict its pods through the Eviction API (kubectl drain), honouring PodDisruptionBudgets; uncordon to recover",
		Paths: []faults.Path{{Text: "when its node is drained", Check: check.DataDrain, Timeout: faults.NodeSpecTimeout, EvictsNode: true, New: func(d faults.Deps) faults.Fault {
			return &Fault{Client: d.Client, Protected: d.Protected, Log: d.Log}
		}}},
		Access: []kube.Access{
			{Verb: "create", Resource: "pods", Subresource: "eviction"},
			{Verb: "get", Group: "apps", Resource: "daemonsets"},
			{Verb: "patch", Resource: "nodes", Cluster: true},
		},
	})
}
