package processkill

import (
	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/nodeagent"
	"github.com/stateproof/stateproof/reports/check"
)

// A killed container is restarted in the same pod by the kubelet (restartPolicy Always, with its
// back-off: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy):
// the data-survival row of a pod that dies, like pod-delete, but a crash.
func init() {
	faults.Register(faults.Kind{
		Name:    Name,
		Summary: "SIGKILL the pod's containers through the node agent, no SIGTERM, no grace (as the OOM killer does); the kubelet restarts them in the same pod",
		Paths: []faults.Path{{Text: "when its processes are killed (SIGKILL, a crash)", Check: check.DataPodDelete, Timeout: faults.PodSpecTimeout,
			New: func(d faults.Deps) faults.Fault {
				return &Fault{Client: d.Client, NodeAgent: d.NodeAgent, RestartTimeout: d.ReadyTimeout}
			}}},
		Access: append([]kube.Access{{Verb: "get", Resource: "pods"}}, nodeagent.Access...),
	})
}
