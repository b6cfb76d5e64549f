package reports

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/reports/check"
)

// kindPair returns certificates shaped like kind's two classes: the same specs, except that
// the node-loss spec is not applicable on the node-bound one.
func kindPair() (standard, shared Certificate) {
	specs := func(nodeLoss types.SpecReport) []types.SpecReport {
		return []types.SpecReport{
			entry(spec("binds its PVC", types.SpecStatePassed, "check:provisioning"), "bind seconds", "2.75"),
			judged(spec("keeps its data when its pod is deleted", types.SpecStatePassed, "check:data-pod-delete", "check:identity")),
			judged(spec("keeps its data when its node is killed", types.SpecStatePassed, "check:data-node-restart")),
			judged(spec("keeps its data when its node is drained", types.SpecStatePassed, "check:data-drain")),
			notApplicable("survives a power cut", "kind nodes share the host's page cache", "check:power-cut"),
			nodeLoss,
		}
	}
	const lossText = "keeps its data when its node is lost"
	standard = fromGinkgo("standard", []types.Report{suite(specs(
		notApplicable(lossText, "volume is node-bound: PV nodeAffinity pins it to kind-worker2", "check:data-node-loss"))...)}, testEnv)
	shared = fromGinkgo("shared", []types.Report{suite(specs(
		judged(spec(lossText, types.SpecStatePassed, "check:data-node-loss")))...)}, testEnv)
	return standard, shared
}

func TestCompare(t *testing.T) {
	standard, shared := kindPair()
	diff := Compare(standard, shared)
	if len(diff) != 1 || diff[0].Check != check.DataNodeLoss {
		t.Fatalf("Compare = %+v, want only %s", diff, check.DataNodeLoss)
	}
	if diff[0].A.Verdict != NotApplicable || diff[0].B.Verdict != Pass {
		t.Errorf("verdicts %s / %s, want not-applicable / pass", diff[0].A.Verdict, diff[0].B.Verdict)
	}
	if !strings.Contains(strings.Join(diff[0].A.Reasons, " "), "node-bound") {
		t.Errorf("reasons of the node-bound side lost: %q", diff[0].A.Reasons)
	}
	if d := Compare(shared, shared); len(d) != 0 {
		t.Errorf("a certificate differs from itself: %+v", d)
	}
	// A row one certificate lacks counts as not run.
	short := shared
	short.Rows = short.Rows[:1]
	if d := Compare(short, shared); len(d) == 0 || d[0].A.Verdict != NotRun {
		t.Errorf("missing rows not reported as not run: %+v", d)
	}
}

func TestExpectDifferences(t *testing.T) {
	standard, shared := kindPair()
	if err := ExpectDifferences(standard, shared, []Check{check.DataNodeLoss}); err != nil {
		t.Errorf("expected difference refused: %v", err)
	}
	err := ExpectDifferences(standard, shared, []Check{check.DataDrain})
	if err == nil || !strings.Contains(err.Error(), "not expected to: data-node-loss") ||
		!strings.Contains(err.Error(), "expected to differ but do not: data-drain") {
		t.Errorf("wrong difference accepted or badly named: %v", err)
	}
	if err := ExpectDifferences(shared, shared, nil); err != nil {
		t.Errorf("identical certificates: %v", err)
	}
	inc := Incomplete("standard", testEnv, "interrupted")
	if err := ExpectDifferences(inc, shared, nil); err == nil || !strings.Contains(err.Error(), "INCOMPLETE") {
		t.Errorf("incomplete certificate compared: %v", err)
	}
}
