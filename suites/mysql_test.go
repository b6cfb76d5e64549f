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
	// A deleted StatefulSet pod is recreated under the same name with the same PVC
	// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage);
	// with innodb_flush_log_at_trx_commit=1 every acknowledged commit is on that volume.
	DescribeTable("keeps every acknowledged write", Serial, Label("disruptive"),
		func(ctx SpecContext, force bool) {
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
			fault := &poddelete.Fault{Client: env.client, Force: force, RecreateTimeout: flags.readyTimeout}
			dataSurvivesFault(ctx, a, fault, faults.Target{Namespace: ns, Pod: mysql.PodName(0)}, mysql.ClaimTemplate)
		},
		Entry("when its pod is deleted", Label("fault:pod-delete"), false, SpecTimeout(15*time.Minute)),
		Entry("when its pod is force-deleted (grace period 0)", Label("fault:pod-delete-force"), true, SpecTimeout(15*time.Minute)),
	)
})
