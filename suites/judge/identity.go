package judge

import (
	"fmt"
	"strings"
)

// Identity is what makes a StatefulSet pod the same member after a fault
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id and
// #stable-storage): its name, hostname, PVC and the PV bound to it. PodUID and Node are recorded
// to show that the pod really was replaced and where it ran.
type Identity struct {
	PodName  string `json:"podName"`
	Hostname string `json:"hostname"`
	PVCName  string `json:"pvcName"`
	PVUID    string `json:"pvUID"`
	PodUID   string `json:"podUID"`
	Node     string `json:"node"`
	// ContainerHostname is the hostname the container sees (/proc/sys/kernel/hostname), PodIP the
	// pod's status.podIP and DNSAddresses what its DNS name <pod>.<service>.<ns>.svc.cluster.local
	// resolved to from another pod; empty when not measured.
	ContainerHostname string   `json:"containerHostname,omitempty"`
	PodIP             string   `json:"podIP,omitempty"`
	DNSAddresses      []string `json:"dnsAddresses,omitempty"`
}

// CheckSeenIdentity returns nil when the identity the pod is given is the one it is seen with:
// the container's hostname is the pod's spec.hostname, and its stable DNS name resolves to
// exactly its current IP
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id);
// else an error listing each mismatch as want/got. Unmeasured (empty) values are mismatches.
func CheckSeenIdentity(id Identity) error {
	var diffs []string
	if id.Hostname == "" || id.ContainerHostname != id.Hostname {
		diffs = append(diffs, fmt.Sprintf("hostname seen by the container: want %q, got %q", id.Hostname, id.ContainerHostname))
	}
	if id.PodIP == "" || len(id.DNSAddresses) != 1 || id.DNSAddresses[0] != id.PodIP {
		diffs = append(diffs, fmt.Sprintf("DNS record: want exactly the pod IP %q, got %q", id.PodIP, id.DNSAddresses))
	}
	return identityErr(id, diffs)
}

// CheckSameIdentity returns nil when after has the same name, hostname, PVC name and PV UID as
// before, all of them non-empty; else an error listing each difference as want/got. It does not
// look at the pod UID, so it fits faults after which the pod may stay or come back on its node
// (node restart, network partition); use CheckReplacedSameIdentity when the fault must have
// replaced the pod.
func CheckSameIdentity(before, after Identity) error {
	return identityErr(before, identityDiffs(before, after))
}

// CheckReplacedSameIdentity returns nil when after is a new pod (different UID) with the same
// name, hostname, PVC name and PV UID as before; else an error listing each difference as
// want/got.
func CheckReplacedSameIdentity(before, after Identity) error {
	diffs := identityDiffs(before, after)
	if before.PodUID == "" || before.PodUID == after.PodUID {
		diffs = append(diffs, fmt.Sprintf("pod UID: want a new one, got %q before and after", after.PodUID))
	}
	return identityErr(before, diffs)
}

// identityDiffs lists, as "what: want %q, got %q", each of name, hostname, PVC name and PV UID
// that differs between before and after or is empty.
func identityDiffs(before, after Identity) []string {
	var diffs []string
	same := func(what, want, got string) {
		if want != got || want == "" {
			diffs = append(diffs, fmt.Sprintf("%s: want %q, got %q", what, want, got))
		}
	}
	same("pod name", before.PodName, after.PodName)
	same("hostname", before.Hostname, after.Hostname)
	same("PVC name", before.PVCName, after.PVCName)
	same("PV UID", before.PVUID, after.PVUID)
	return diffs
}

// identityErr is nil without diffs, else an error naming before's pod and every difference.
func identityErr(before Identity, diffs []string) error {
	if len(diffs) > 0 {
		return fmt.Errorf("identity of %s changed: %s", before.PodName, strings.Join(diffs, "; "))
	}
	return nil
}
