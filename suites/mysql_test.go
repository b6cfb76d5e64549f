//go:build e2e

package suites

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/poddelete"
	"github.com/stateproof/stateproof/fixtures/agent"
	"github.com/stateproof/stateproof/fixtures/mysql"
)

var _ = Describe("MySQL", Label("workload:mysql"), func() {
	It("keeps every acknowledged write when its pod is deleted", Serial, Label("disruptive", "fault:pod-delete"), func(ctx SpecContext) {
		ns := namespace(ctx, "mysql")
		By("deploying the MySQL StatefulSet on StorageClass " + flags.storageClass)
		d, err := mysql.Deploy(ctx, env.client, mysql.Params{
			Namespace: ns, StorageClass: flags.storageClass, Image: env.images.MySQL, Replicas: 1,
		}, flags.readyTimeout)
		Expect(err).NotTo(HaveOccurred())

		a := startAgent(ctx, agent.PodSpec{
			Namespace: ns, Name: "agent",
			Args:   []string{"mysql", "--host", d.Host(0), "--rate", "50"},
			Secret: mysql.Secret, SecretKey: "password",
		})
		fault := &poddelete.Fault{Client: env.client, RecreateTimeout: flags.readyTimeout}
		dataSurvivesFault(ctx, a, fault, faults.Target{Namespace: ns, Pod: mysql.PodName(0)}, mysql.ClaimTemplate)
	}, SpecTimeout(15*time.Minute))
})
