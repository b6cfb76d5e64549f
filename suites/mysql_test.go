//go:build e2e

package suites

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/nodefailure"
	"github.com/stateproof/stateproof/faults/poddelete"
	"github.com/stateproof/stateproof/fixtures/agent"
	"github.com/stateproof/stateproof/fixtures/mysql"
)

var _ = Describe("MySQL", Label("workload:mysql"), func() {
	// A deleted StatefulSet pod is recreated under the same name with the same PVC
	// (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage);
	// a failed node's pod stays bound to it until the node returns or is declared out of
	// service. With innodb_flush_log_at_trx_commit=1 every acknowledged commit is on the volume.
	DescribeTable("keeps every acknowledged write", Serial, Label("disruptive"),
		func(ctx SpecContext, newFault func() faults.Fault) {
			ns := namespace(ctx, "mysql")
			d := deployMySQL(ctx, ns, 1)
			f := newFault()
			target := faults.Target{Namespace: ns, Pod: mysql.PodName(0)}
			requireApplicable(ctx, f, target)
			a := startMySQLAgent(ctx, d, 0)
			dataSurvivesFault(ctx, a, f, target, mysql.ClaimTemplate)
		},
		Entry("when its pod is deleted", Label("fault:pod-delete"), podDelete(false), SpecTimeout(15*time.Minute)),
		Entry("when its pod is force-deleted (grace period 0)", Label("fault:pod-delete-force"), podDelete(true), SpecTimeout(15*time.Minute)),
		Entry("when its node is stopped and comes back", Label("fault:node-failure-stop", "recovery:node-returns"),
			nodeFailure(nodefailure.Stop, nodefailure.NodeReturns), SpecTimeout(20*time.Minute)),
		Entry("when its node is killed and comes back", Label("fault:node-failure-kill", "recovery:node-returns"),
			nodeFailure(nodefailure.Kill, nodefailure.NodeReturns), SpecTimeout(20*time.Minute)),
		Entry("when its node is paused and comes back", Label("fault:node-failure-pause", "recovery:node-returns"),
			nodeFailure(nodefailure.Pause, nodefailure.NodeReturns), SpecTimeout(20*time.Minute)),
		Entry("when its node is stopped and declared out of service", Label("fault:node-failure-stop", "recovery:out-of-service"),
			nodeFailure(nodefailure.Stop, nodefailure.OutOfService), SpecTimeout(20*time.Minute)),
		Entry("when its node is killed and declared out of service", Label("fault:node-failure-kill", "recovery:out-of-service"),
			nodeFailure(nodefailure.Kill, nodefailure.OutOfService), SpecTimeout(20*time.Minute)),
	)
})

// deployMySQL deploys the MySQL fixture with replicas pods on the StorageClass under test.
func deployMySQL(ctx SpecContext, ns string, replicas int) *mysql.Deployment {
	By("deploying the MySQL StatefulSet on StorageClass " + flags.storageClass)
	d, err := mysql.Deploy(ctx, env.client, mysql.Params{
		Namespace: ns, StorageClass: flags.storageClass, Image: env.images.MySQL, Replicas: replicas,
	}, flags.readyTimeout)
	Expect(err).NotTo(HaveOccurred())
	return d
}

// startMySQLAgent starts the in-cluster writer against pod k of d, at 50 writes/s.
func startMySQLAgent(ctx SpecContext, d *mysql.Deployment, k int) *agent.Handle {
	return startAgent(ctx, agent.PodSpec{
		Namespace: d.Namespace, Name: "agent",
		Args:   []string{"mysql", "--host", d.Host(k), "--rate", "50"},
		Secret: mysql.Secret, SecretKey: "password",
	})
}

func podDelete(force bool) func() faults.Fault {
	return func() faults.Fault {
		return &poddelete.Fault{Client: env.client, Force: force, RecreateTimeout: flags.readyTimeout}
	}
}

func nodeFailure(mode nodefailure.Mode, recovery nodefailure.Recovery) func() faults.Fault {
	return func() faults.Fault {
		return &nodefailure.Fault{Client: env.client, Mode: mode, Recovery: recovery, RecoverTimeout: flags.readyTimeout}
	}
}
