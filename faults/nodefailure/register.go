package nodefailure

import (
	"context"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/reports/check"
)

// A failed node's pod stays bound to it until the node returns or is declared out of service
// (KEP-2268). Each mode is one fault kind; a paused node has no out-of-service path (its
// processes would resume when it is unpaused).
func init() {
	summaries := map[Mode]string{
		Stop:  "stop the pod's kind node cleanly (its STOPSIGNAL, then SIGKILL after 60 s)",
		Kill:  "kill the pod's kind node (SIGKILL: a power cut of its processes)",
		Pause: "freeze every process of the pod's kind node (cgroup freezer)",
	}
	texts := map[Mode]string{Stop: "stopped", Kill: "killed", Pause: "paused"}
	for _, mode := range []Mode{Stop, Kill, Pause} {
		paths := []faults.Path{{
			Recovery: string(NodeReturns), Text: "when its node is " + texts[mode] + " and comes back",
			Check: check.DataNodeRestart, Timeout: faults.NodeSpecTimeout, New: newFault(mode, NodeReturns),
		}}
		if mode != Pause {
			paths = append(paths, faults.Path{
				Recovery: string(OutOfService), Text: "when its node is " + texts[mode] + " and declared out of service",
				Check: check.DataNodeLoss, Timeout: faults.NodeSpecTimeout, Spare: 1, MovesPod: true, New: newFault(mode, OutOfService),
			})
		}
		faults.Register(faults.Kind{
			Name:    Name(mode),
			Summary: summaries[mode] + "; recover by bringing it back or, for stop and kill, with the out-of-service taint",
			Paths:   paths,
			Access: []kube.Access{
				{Verb: "get", Group: "coordination.k8s.io", Resource: "leases"},
				{Verb: "patch", Resource: "nodes", Cluster: true},
				{Verb: "update", Resource: "nodes", Cluster: true},
			},
			Available: func(ctx context.Context, c *kube.Client) error {
				return (&Fault{Client: c, Mode: mode, Recovery: NodeReturns}).Available(ctx)
			},
		})
	}
}

// newFault makes the fault of mode recovering by recovery for one spec.
func newFault(mode Mode, recovery Recovery) func(faults.Deps) faults.Fault {
	return func(d faults.Deps) faults.Fault {
		return &Fault{Client: d.Client, Mode: mode, Recovery: recovery, RecoverTimeout: d.ReadyTimeout}
	}
}
