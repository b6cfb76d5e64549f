//go:build e2e

package suites

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/drain"
	"github.com/stateproof/stateproof/faults/nodefailure"
	"github.com/stateproof/stateproof/faults/poddelete"
	"github.com/stateproof/stateproof/fixtures/workloads/statefulset"
	"github.com/stateproof/stateproof/reports/check"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/labels"
	"github.com/stateproof/stateproof/suites/record"
)

// A StatefulSet pod keeps its identity across rescheduling
// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id and
// #stable-storage): name <sts>-<ordinal>, spec.hostname (which the container sees as its
// hostname), the DNS record <pod>.<service>.<ns>.svc.cluster.local of the headless Service, which
// follows the pod's current IP, and the PVC <claim>-<pod> bound to the same PV. The fixture's pods
// refuse to become Ready on a volume another ordinal wrote, so Ready also proves that no volume
// was swapped between ordinals.
var _ = Describe("StatefulSet", Label("conformance:statefulset"), func() {
	const replicas = 3
	// Each spec leases one node for the pods (a drained pod waits for the uncordon).
	DescribeTable("keeps every pod's name, hostname, DNS record, PVC and PV", Label(labels.Disruptive, check.Identity.Label()),
		func(ctx SpecContext, newFault func() faults.Fault, nodes int) {
			s := newSite(ctx, "statefulset", nodes, false)
			ns := s.ns
			deployWeb(ctx, s, statefulset.Params{Replicas: replicas, PodManagementPolicy: appsv1.OrderedReadyPodManagement})
			f := newFault()
			target := faults.Target{Namespace: ns, Pod: statefulset.PodName(1)}
			requireApplicable(ctx, s, f, target)
			before := webIdentities(ctx, ns, replicas)
			for _, id := range before {
				Expect(judge.CheckSeenIdentity(id)).To(Succeed(), "before the fault: nothing to compare with")
			}

			injectAndRecover(ctx, f, target)
			enter(record.PhaseJudging)
			statefulSetReady(ctx, record.JudgeRecovery, ns, statefulset.Name, statefulset.Selector)
			after := webIdentities(ctx, ns, replicas)
			AddReportEntry("identities before", before)
			AddReportEntry("identities after", after)
			identitiesKept(record.IdentityEvidence{Before: before, After: after, Seen: true})
		},
		identityEntry("when a pod is deleted", poddelete.Name, "", 10*time.Minute),
		identityEntry("when a pod's node is killed and comes back", nodefailure.Name(nodefailure.Kill), string(nodefailure.NodeReturns), 15*time.Minute),
		identityEntry("when a pod's node is drained and uncordoned", drain.Name, "", 10*time.Minute),
	)
})

// identityEntry is the identity spec of the registered fault name with recovery path recovery,
// on one leased node, within timeout.
func identityEntry(text, name, recovery string, timeout time.Duration) TableEntry {
	k, p, newFault := registered(name, recovery)
	return Entry(text, Label(k.Labels(p)...), newFault, 1, SpecTimeout(timeout))
}

// webIdentities reads the identity of each of the fixture's replicas pods as it is seen:
// container hostname, and the DNS name resolved from the next pod. It polls (at most 90 s:
// CoreDNS caches answers for up to 30 s) until each is seen as given (judge.CheckSeenIdentity)
// and returns the reading of the last attempt: a mismatch that outlasts the wait is the
// identity judge's failure (IdentityEvidence.Seen), not the harness's. A last attempt that could
// not read the pod, or a spec that ended while waiting, fails the spec as an error: no stale
// reading is judged.
func webIdentities(ctx context.Context, ns string, replicas int) []judge.Identity {
	ids := make([]judge.Identity, replicas)
	for k := range ids {
		var lastErr error
		_ = wait.PollUntilContextTimeout(ctx, 2*time.Second, 90*time.Second, true, func(ctx context.Context) (bool, error) {
			ids[k], lastErr = seenIdentity(ctx, ns, k, replicas)
			return lastErr == nil && judge.CheckSeenIdentity(ids[k]) == nil, nil
		})
		Expect(context.Cause(ctx)).NotTo(HaveOccurred(), "the spec ended while reading the identity of %s/%s", ns, statefulset.PodName(k))
		Expect(lastErr).NotTo(HaveOccurred(), "could not read the identity of %s/%s", ns, statefulset.PodName(k))
	}
	return ids
}

// seenIdentity reads pod k's identity (readIdentity) with its container hostname and what its
// DNS name resolves to from the next pod; the error says which read failed.
func seenIdentity(ctx context.Context, ns string, k, replicas int) (judge.Identity, error) {
	var id judge.Identity
	err := InterceptGomegaFailure(func() {
		id = readIdentity(ctx, Default, ns, statefulset.PodName(k), statefulset.ClaimTemplate)
	})
	if err != nil {
		return id, err
	}
	if id.ContainerHostname, err = env.client.Exec(ctx, ns, id.PodName, statefulset.Name, "cat", "/proc/sys/kernel/hostname"); err != nil {
		return id, err
	}
	dnsName := fmt.Sprintf("%s.%s.%s.svc.cluster.local", id.PodName, statefulset.Name, ns)
	out, err := env.client.Exec(ctx, ns, statefulset.PodName((k+1)%replicas), statefulset.Name, "getent", "hosts", dnsName)
	if err != nil {
		return id, fmt.Errorf("resolve %s from %s: %w", dnsName, statefulset.PodName((k+1)%replicas), err)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && !slices.Contains(id.DNSAddresses, f[0]) {
			id.DNSAddresses = append(id.DNSAddresses, f[0])
		}
	}
	return id, nil
}
