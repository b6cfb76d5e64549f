//go:build e2e

package suites

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/drain"
	"github.com/stateproof/stateproof/faults/nodefailure"
	"github.com/stateproof/stateproof/faults/poddelete"
	"github.com/stateproof/stateproof/fixtures/workloads/wordpress"
)

// The MySQL tier alone is the MySQL workload's table; here it proves WordPress reconnects after
// MySQL was deleted, restarted or moved, or its node drained.
var _ = Describe("Data survival", func() {
	w := wordpress.Workload(wordpress.TierMySQL, wordpress.Params{})
	w.Faults = func(k faults.Kind, _ faults.Path) bool {
		return slices.Contains([]string{poddelete.Name, nodefailure.Name(nodefailure.Kill), drain.Name}, k.Name)
	}
	dataSurvivalTable(w)
})
