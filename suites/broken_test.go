//go:build e2e

package suites

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/fixtures/workloads/redis"
	"github.com/stateproof/stateproof/fixtures/workloads/wordpress"
	"github.com/stateproof/stateproof/suites/record"
)

// The negative controls: a fixture variant built to lose data must FAIL the data-survival
// check, proving the checker can see loss. The spec passes only when the loss is detected.
var _ = Describe("Data-survival checker", Label("negative"), func() {
	DescribeTable("detects the loss of acknowledged writes", Label("disruptive", "fault:pod-delete"),
		func(ctx SpecContext, w workload) {
			negativeControl()
			s := newSite(ctx, w.name, w.nodes, false)
			target, start := w.deploy(ctx, s)
			f := podDelete(false)()
			requireApplicable(ctx, s, f, target)
			a := start()
			writesFlowing(ctx, a, w.acked())
			inj := injectAndRecover(ctx, f, target)
			r := measureData(ctx, w, a, inj)
			Expect(r.Judgements).To(ContainElement(HaveField("Judge", record.JudgePreconditions)))
			for _, j := range r.Judgements {
				if j.Judge == record.JudgePreconditions {
					Expect(j.Outcome).To(Equal(record.Pass), "too few writes before the fault to prove anything: %s", j.Message)
				}
			}
			Expect(r.Judgements).To(ContainElement(And(HaveField("Judge", record.JudgeData), HaveField("Outcome", record.Fail))),
				"%s: the checker saw no loss", w.title)
			Expect(r.Verdict.Lost).To(BeNumerically(">", 0))
		},
		Entry("of Redis without persistence when its primary is deleted", Label("workload:redis"), redisWorkload(redis.Params{WithoutPersistence: true}), SpecTimeout(15*time.Minute)),
		Entry("of WordPress with wp-content on an emptyDir when its pod is deleted", Label("workload:wordpress"), wordpressWorkload(tierWordPress, wordpress.Params{ContentOnEmptyDir: true}), SpecTimeout(15*time.Minute)),
	)
})
