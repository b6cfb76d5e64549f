package poddelete

import (
	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/reports/check"
)

// A deleted StatefulSet pod is recreated under the same name with the same PVC
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage).
func init() {
	for _, force := range []bool{false, true} {
		text, summary := "when its pod is deleted", "delete the pod with its own grace period; its controller recreates it"
		if force {
			text, summary = "when its pod is force-deleted (grace period 0)", "delete the pod with grace period 0; its controller recreates it"
		}
		faults.Register(faults.Kind{
			Name:    (&Fault{Force: force}).Name(),
			Summary: summary,
			Paths: []faults.Path{{Text: text, Check: check.DataPodDelete, Timeout: faults.PodSpecTimeout, New: func(d faults.Deps) faults.Fault {
				return &Fault{Client: d.Client, Force: force, RecreateTimeout: d.ReadyTimeout}
			}}},
			Access: []kube.Access{{Verb: "delete", Resource: "pods"}},
		})
	}
}
