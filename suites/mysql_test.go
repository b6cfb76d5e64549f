//go:build e2e

package suites

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/workloads/mysql"
)

// mysqlWorkload is MySQL as the data-survival table runs it: one pod, its writer inserting 50
// rows/s. With innodb_flush_log_at_trx_commit=1 every acknowledged commit is on the volume.
func mysqlWorkload() workload {
	return workload{
		name: "mysql", title: "MySQL", nodes: 1, claimTemplate: mysql.ClaimTemplate, uniqueKinds: []string{"insert"},
		deploy: func(ctx SpecContext, s site) (faults.Target, func() *agent.Handle) {
			d := deployMySQL(ctx, s, 1)
			return faults.Target{Namespace: s.ns, Pod: mysql.PodName(0)}, func() *agent.Handle { return startMySQLAgent(ctx, d, 0) }
		},
	}
}

// deployMySQL deploys the MySQL fixture with replicas pods on s (its namespace, nodes and
// StorageClass).
func deployMySQL(ctx SpecContext, s site, replicas int) *mysql.Deployment {
	By("deploying the MySQL StatefulSet on StorageClass " + s.storageClass)
	d, err := mysql.Deploy(ctx, env.client, mysql.Params{
		Namespace: s.ns, StorageClass: s.storageClass, Image: env.images.MySQL, Replicas: replicas, Nodes: s.nodes,
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
