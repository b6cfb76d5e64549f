//go:build e2e

package suites

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/nodefailure"
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/traffic/history"
	"github.com/stateproof/stateproof/fixtures/workloads/redis"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/record"
)

// redisWorkload is Redis as the data-survival table runs it, deployed with p (namespace, nodes
// and class are filled in): a primary and two replicas on one leased node (three for a drain),
// the writer on the primary at 50
// operations/s (unique keys, list appends, register writes and reads). With appendfsync always
// every acknowledged write is in the AOF on the volume; everysec tolerates losing up to about a
// second (maxRPO 2 s: Redis delays writes once an fsync is 2 s late,
// https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/). p.WithoutPersistence
// is the negative control.
func redisWorkload(p redis.Params) workload {
	if p.AppendFsync == "" {
		p.AppendFsync = redis.FsyncAlways
	}
	w := workload{
		name: "redis", title: "Redis (appendfsync " + p.AppendFsync + ")", nodes: 1, drainNodes: 3, claimTemplate: redis.ClaimTemplate,
		uniqueKinds: redis.UniqueKinds, registers: true,
	}
	switch {
	case p.WithoutPersistence:
		w.title = "Redis without persistence (appendonly no, no RDB)"
	case p.AppendFsync == redis.FsyncEverySec:
		w.maxRPO = 2 * time.Second
	}
	w.deploy = func(ctx SpecContext, s site) (faults.Target, func() *agent.Handle) {
		d := deployRedis(ctx, s, p)
		return faults.Target{Namespace: s.ns, Pod: redis.PodName(0)}, func() *agent.Handle { return startRedisAgent(ctx, d) }
	}
	return w
}

var _ = Describe("Data survival", func() {
	w := redisWorkload(redis.Params{AppendFsync: redis.FsyncEverySec})
	Describe(w.title, Label("workload:redis"), func() {
		It("loses at most the acknowledged writes of the last 2 s when its node is killed (power cut) and comes back",
			Label("disruptive", "fault:node-failure-kill", "recovery:node-returns"), SpecTimeout(20*time.Minute),
			func(ctx SpecContext) {
				keepsWrites(w)(ctx, faultCase{fault: "node-failure-kill", newFault: nodeFailure(nodefailure.Kill, nodefailure.NodeReturns)})
			})
	})
})

// deployRedis deploys the Redis fixture (3 pods) with p on s (its namespace, nodes and
// StorageClass).
func deployRedis(ctx SpecContext, s site, p redis.Params) *redis.Deployment {
	By("deploying the Redis StatefulSet on StorageClass " + s.storageClass)
	p.Namespace, p.StorageClass, p.Image, p.Nodes = s.ns, s.storageClass, env.images.Redis, s.nodes
	d, err := redis.Deploy(ctx, env.client, p, flags.readyTimeout)
	Expect(err).NotTo(HaveOccurred())
	AddReportEntry("appendfsync", d.AppendFsync)
	return d
}

// startRedisAgent starts the in-cluster writer against the primary, at 50 operations/s.
func startRedisAgent(ctx SpecContext, d *redis.Deployment) *agent.Handle {
	return startAgent(ctx, agent.PodSpec{
		Namespace: d.Namespace, Name: "agent",
		Args:   []string{"redis", "--host", d.Host(0), "--rate", "50"},
		Secret: redis.Secret, SecretKey: redis.SecretKey,
	})
}

// visualizeRegisters leaves porcupine's visualisation of the register history saved in the
// spec's artifacts (history.jsonl) next to it, as registers-linearizability.html. A problem is
// logged: the verdict is already recorded.
func visualizeRegisters() {
	dir := specArtifacts("")
	in, err := os.Open(filepath.Join(dir, record.HistoryFile))
	if err != nil {
		GinkgoWriter.Printf("visualising the registers: %v\n", err)
		return
	}
	defer in.Close()
	ops, err := history.ReadJSONLines(in)
	if err != nil {
		GinkgoWriter.Printf("visualising the registers: %v\n", err)
		return
	}
	_, info := judge.CheckRegisters(ops, record.RegistersTimeout)
	out, err := os.Create(filepath.Join(dir, "registers-linearizability.html"))
	if err == nil {
		defer out.Close()
		err = judge.VisualizeRegisters(info, out)
	}
	if err != nil {
		GinkgoWriter.Printf("visualising the registers: %v\n", err)
	}
}
