//go:build e2e

package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/poddelete"
	"github.com/stateproof/stateproof/faults/processkill"
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/fixtures/workloads/redis"
	"github.com/stateproof/stateproof/fixtures/workloads/wordpress"
	"github.com/stateproof/stateproof/suites/labels"
	"github.com/stateproof/stateproof/suites/record"
)

// The negative controls: a fixture variant built to lose data must FAIL the data-survival
// check, proving the checker can see loss. The spec passes only when the loss is detected.
var _ = Describe("Data-survival checker", Label(labels.Negative), func() {
	DescribeTable("detects the loss of acknowledged writes", Label(labels.Disruptive),
		func(ctx SpecContext, w workloads.Workload, newFault func() faults.Fault) {
			negativeControl()
			d := deployOnce(ctx, w, w.Nodes, false)
			target := d.ensure(ctx)
			f := newFault()
			requireApplicable(ctx, d.s, f, target)
			lossDetected(ctx, w, d.startAgent(ctx), f, target)
		},
		negativeEntry("of Redis without persistence when its primary is deleted", redis.Workload(redis.Params{WithoutPersistence: true}), poddelete.Name),
		// A crash of the server process (the container restarts in the same pod) loses what
		// only its memory held.
		negativeEntry("of Redis without persistence when its primary's processes are killed", redis.Workload(redis.Params{WithoutPersistence: true}), processkill.Name),
		negativeEntry("of WordPress with wp-content on an emptyDir when its pod is deleted", wordpress.Workload(wordpress.TierWordPress, wordpress.Params{ContentOnEmptyDir: true}), poddelete.Name),
	)
})

// lossDetected is the body of a negative control after deployment: with w's agent a writing,
// f hits target and recovers, and the data judge must find acknowledged writes lost (after
// enough writes before the fault for the loss to mean something).
func lossDetected(ctx context.Context, w workloads.Workload, a *agent.Handle, f faults.Fault, target faults.Target) {
	GinkgoHelper()
	writesFlowing(ctx, a, minAcked(w))
	inj := injectAndRecover(ctx, f, target)
	r := measureData(ctx, w, a, inj)
	Expect(r.Judgements).To(ContainElement(HaveField("Judge", record.JudgePreconditions)))
	for _, j := range r.Judgements {
		if j.Judge == record.JudgePreconditions {
			Expect(j.Outcome).To(Equal(record.Pass), "too few writes before the fault to prove anything: %s", j.Message)
		}
	}
	Expect(r.Judgements).To(ContainElement(And(HaveField("Judge", record.JudgeData), HaveField("Outcome", record.Fail))),
		"%s: the checker saw no loss", w.Title)
	Expect(r.Verdict.Lost).To(BeNumerically(">", 0))
}

// negativeEntry is the negative control of w meeting fault (its path without recovery).
func negativeEntry(text string, w workloads.Workload, fault string) TableEntry {
	k, p, newFault := registered(fault, "")
	return Entry(text, Label(append([]string{w.Label()}, k.Labels(p)...)...), w, newFault, SpecTimeout(p.Timeout))
}
