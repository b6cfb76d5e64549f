//go:build e2e

package suites

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/drain"
	"github.com/stateproof/stateproof/fixtures/workloads/mysql"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/labels"
	"github.com/stateproof/stateproof/suites/record"
)

var _ = Describe("MySQL", Label(mysql.Workload().Label()), func() {
	// A PodDisruptionBudget is enforced by the Eviction API: an eviction that would leave more
	// than maxUnavailable pods unavailable is refused with 429 Too Many Requests
	// (https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/). kubectl drain
	// retries it. With three replicas on three workers and maxUnavailable 1, draining a second
	// node must wait until the pod evicted by the first drain is Ready again. The spec leases
	// exactly three nodes, so the evicted pod has nowhere else to go.
	It("holds its PodDisruptionBudget while two nodes are drained back to back",
		Label(labels.Disruptive, drainKind.Label()), SpecTimeout(drainPath.Timeout), func(ctx SpecContext) {
			const replicas = 3
			s := newSite(ctx, "mysql", replicas, false)
			ns := s.ns
			By("deploying the MySQL StatefulSet with 3 replicas on StorageClass " + s.storageClass)
			d, err := mysql.Deploy(ctx, env.client, mysql.Params{
				Namespace: s.ns, StorageClass: s.storageClass, Image: env.images.Workload(mysql.Image.Name), Replicas: replicas, Nodes: s.nodes,
			}, flags.readyTimeout)
			Expect(err).NotTo(HaveOccurred())
			first, second := newDrain(), newDrain()
			target := faults.Target{Namespace: ns, Pod: mysql.PodName(0)}
			next := faults.Target{Namespace: ns, Pod: mysql.PodName(1)}
			requireApplicable(ctx, s, first, target)
			spec := d.AgentPod(0)
			spec.Namespace, spec.Name = ns, "agent"
			a := startAgent(ctx, spec)
			pods := watchPods(ctx, ns, mysql.Selector)
			nodes := map[string]bool{}
			for _, e := range pods.Events() {
				nodes[e.Node] = true
			}
			Expect(nodes).To(HaveLen(replicas), "the %d MySQL pods must run on distinct nodes", replicas)
			writesFlowing(ctx, a, minAckedBeforeFault)
			before := identity(ctx, ns, target.Pod, mysql.ClaimTemplate)

			inj := inject(ctx, first, target)
			Expect(inj.Evictions).To(ContainElement(HaveField("Pod", target.String())), "the first drain evicted no %s", target)

			By("draining the node of " + next.String() + " while " + target.Pod + " cannot be Ready (its node is cordoned)")
			type result struct {
				inj faults.Injection
				err error
			}
			markNode(ctx, next)
			done, finished := make(chan result, 1), make(chan struct{})
			// Clean-up joins the second drain (its ctx ends with the spec) before uncordoning, so
			// that Recover sees every node it cordoned.
			DeferCleanup(func(ctx SpecContext) error {
				select {
				case <-finished:
				case <-ctx.Done():
				}
				return second.Recover(ctx)
			}, NodeTimeout(faults.RecoverTimeout))
			go func() {
				defer GinkgoRecover()
				defer close(finished)
				i, err := second.Inject(ctx, next)
				done <- result{i, err}
			}()
			// Two refusals, RetryDelay apart, show the budget keeps refusing, not a one-off.
			Eventually(func() int { return refusals(second.Evictions(), next.String()) }).WithContext(ctx).WithTimeout(time.Minute).
				Should(BeNumerically(">=", 2), "the second drain's eviction of %s was not refused with 429 twice", next)

			recoverFault(ctx, first.Name()+" of the first node", first)
			var r result
			Eventually(done).WithContext(ctx).WithTimeout(10 * time.Minute).Should(Receive(&r))
			writeJSON(specArtifacts("")+"/second-node-drain-injection.json", r.inj)
			Expect(r.err).NotTo(HaveOccurred(), "the second drain did not complete once %s was Ready", target)
			AddReportEntry("second injection", r.inj)
			recoverFault(ctx, second.Name()+" of the second node", second)
			Expect(env.client.WaitStatefulSetReady(ctx, ns, mysql.StatefulSet, flags.readyTimeout)).To(Succeed())
			pods.waitUntil(ctx, "every MySQL pod Ready again", []string{mysql.PodName(0), mysql.PodName(1), mysql.PodName(2)}, judge.PodEvent.Healthy)

			By("judging the PodDisruptionBudget over every pod change the watch saw")
			enter(record.PhaseJudging)
			events := pods.Events()
			AddReportEntry("evictions refused with 429", refusals(r.inj.Evictions, next.String()))
			pods.judged(record.WatchCheck{Judge: record.JudgeBudget, Check: record.CheckBudget, Replicas: replicas, MaxUnavailable: mysql.MaxUnavailable})
			readyAt, ok := judge.FirstReadyAfter(events, target.Pod, inj.End)
			Expect(ok).To(BeTrue(), "%s never became Ready again after the first drain", target)
			AddReportEntry(fmt.Sprintf("%s back Ready after seconds", target.Pod), readyAt.Sub(inj.Start).Seconds())
			Expect(judge.EvictionsWaitedForReady(r.inj.Evictions, next.String(), readyAt)).To(Succeed())

			dataKept(ctx, mysql.Workload(), a, inj)
			identityKept(ctx, target, before, mysql.ClaimTemplate, true)
		})
})

// drainKind and drainPath are the registered node drain.
var drainKind, drainPath, _ = registered(drain.Name, "")

// newDrain returns the registered node-drain fault (it never drains the node of the in-cluster
// agent).
func newDrain() *drain.Fault { return drainPath.New(faultDeps()).(*drain.Fault) }

// refusals counts the evictions of pod ("namespace/name") a PodDisruptionBudget refused (429).
func refusals(evictions []faults.Eviction, pod string) int {
	n := 0
	for _, e := range evictions {
		if e.Pod == pod && e.Refused() {
			n++
		}
	}
	return n
}
