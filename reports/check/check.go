// Package check names the rows of a certificate: the typed check ids, their titles and which of
// them a CERTIFIED certificate requires. It imports nothing of the project, so that the fault
// registry (package faults), the suites and the reports can all name a row by the same constant,
// and a spec's label check:<id> is derived from it (Label).
package check

import "slices"

// ID identifies one row of the certificate. Specs contribute to it through the Ginkgo label
// "check:<id>" (see Label).
type ID string

// The checks, in the order of the certificate's rows (see All).
const (
	Provisioning    ID = "provisioning"
	DataPodDelete   ID = "data-pod-delete"
	DataNodeRestart ID = "data-node-restart"
	DataNodeLoss    ID = "data-node-loss"
	DataDrain       ID = "data-drain"
	Identity        ID = "identity"
	PowerCut        ID = "power-cut"
	VolumeExpansion ID = "volume-expansion"
	AccessModes     ID = "access-modes"
	ReclaimPolicy   ID = "reclaim-policy"
	PVCRetention    ID = "pvc-retention"
)

// LabelKey is the key of a spec's check labels: "check:<id>".
const LabelKey = "check"

// All lists every check in the fixed order of the certificate's rows.
var All = []ID{
	Provisioning, DataPodDelete, DataNodeRestart, DataNodeLoss, DataDrain,
	Identity, PowerCut, VolumeExpansion, AccessModes, ReclaimPolicy,
	PVCRetention,
}

var titles = map[ID]string{
	Provisioning:    "PVC binds within the time limit",
	DataPodDelete:   "Data survives pod delete",
	DataNodeRestart: "Data survives node restart",
	DataNodeLoss:    "Data survives node loss with reschedule to another node",
	DataDrain:       "Data survives node drain",
	Identity:        "StatefulSet identity stable (name, hostname, DNS, PVC, PV)",
	PowerCut:        "fsync durability under power cut",
	VolumeExpansion: "Volume expansion (when allowVolumeExpansion)",
	AccessModes:     "Access modes offered",
	ReclaimPolicy:   "Reclaim policy behaviour",
	PVCRetention:    "PVC retention policy (StatefulSet persistentVolumeClaimRetentionPolicy)",
}

// Required lists the checks that must Pass for a certificate to be CERTIFIED: a required row
// that is NotApplicable or NotRun denies certification as a failure does (a StorageClass whose
// volumes cannot follow a pod to another node is not certified, it is certified for less). The
// other rows deny certification only when they fail or error.
var Required = []ID{
	Provisioning, DataPodDelete, DataNodeRestart, DataNodeLoss, DataDrain,
	Identity,
}

// Required reports whether c is one of the package's Required checks.
func (c ID) Required() bool { return slices.Contains(Required, c) }

// Title returns the human title of the check, or "" when c is not one of All.
func (c ID) Title() string { return titles[c] }

// Known reports whether c is one of All.
func (c ID) Known() bool { _, ok := titles[c]; return ok }

// Label is the spec label that makes a spec contribute to row c: "check:<id>".
func (c ID) Label() string { return LabelKey + ":" + string(c) }
