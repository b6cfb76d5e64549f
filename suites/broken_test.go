//go:build e2e

package suites

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/fixtures/redis"
	"github.com/stateproof/stateproof/fixtures/wordpress"
)

// The negative controls: a fixture variant built to lose data must FAIL the data-survival
// check, proving the checker can see loss. The spec passes only when the loss is detected.
var _ = Describe("Data-survival checker", Label("negative"), func() {
	DescribeTable("detects the loss of acknowledged writes", Label("disruptive", "fault:pod-delete"),
		func(ctx SpecContext, w workload) {
			s := newSite(ctx, w.name, w.nodes, false)
			target, start := w.deploy(ctx, s)
			f := podDelete(false)()
			requireApplicable(ctx, s, f, target)
			a := start()
			writesFlowing(ctx, a, w.acked())
			inj := injectAndRecover(ctx, f, target)
			r := measureData(ctx, w, a, inj)
			Expect(r.preconditions).To(Succeed())
			Expect(r.verdict.Err()).To(HaveOccurred(), "%s: the checker saw no loss", w.title)
			Expect(r.verdict.Lost).To(BeNumerically(">", 0))
		},
		Entry("of Redis without persistence when its primary is deleted", Label("workload:redis"), redisWorkload(redis.Params{WithoutPersistence: true}), SpecTimeout(15*time.Minute)),
		Entry("of WordPress with wp-content on an emptyDir when its pod is deleted", Label("workload:wordpress"), wordpressWorkload(tierWordPress, wordpress.Params{ContentOnEmptyDir: true}), SpecTimeout(15*time.Minute)),
	)
})
