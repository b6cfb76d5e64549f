//go:build e2e

package suites

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"

	"github.com/stateproof/stateproof/faults/nodefailure"
	"github.com/stateproof/stateproof/fixtures/traffic/history"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/fixtures/workloads/redis"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/labels"
	"github.com/stateproof/stateproof/suites/record"
)

// Redis with appendfsync everysec tolerates losing up to about a second of acknowledged writes
// (its Judging.MaxRPO); a power cut of its node shows whether the loss stays in that window. The
// spec decides no certificate row.
var _ = Describe("Data survival", func() {
	w := redis.Workload(redis.Params{AppendFsync: redis.FsyncEverySec})
	k, p, _ := registered(nodefailure.Name(nodefailure.Kill), string(nodefailure.NodeReturns))
	Describe(w.Title, Label(w.Label()), func() {
		It("loses at most the acknowledged writes of the last 2 s when its node is killed (power cut) and comes back",
			Label(append([]string{labels.Disruptive}, k.Labels(p)...)...), SpecTimeout(p.Timeout),
			func(ctx SpecContext) {
				r := workloads.Row{Workload: w, Fault: k, Path: p}
				keepsWrites(ctx, deployOnce(ctx, w, r.Nodes(), p.MovesPod), r)
			})
	})
})

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
