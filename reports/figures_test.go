package reports

import (
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/reports/check"
)

func TestRowFigures(t *testing.T) {
	run := func(rto, ack, lost string) types.SpecReport {
		return entry(entry(entry(judged(spec("keeps its data "+rto, types.SpecStatePassed, "check:data-pod-delete")),
			"rto seconds", rto), "acknowledged writes", ack), "lost writes", lost)
	}
	c := fromGinkgo("shared", []types.Report{suite(
		run("3.3", "303", "0"), run("43.8", "260", "0"), run("2.1", "322", "1"),
		notApplicable("keeps its data when its node is lost", "node-bound", "check:data-pod-delete"),
		entry(spec("binds its PVC", types.SpecStatePassed, "check:provisioning"), "bind seconds", "4"),
	)}, testEnv)
	f := row(c, check.DataPodDelete).Figures
	if got, want := f.String(), "RTO 2.1–43.8 s, 885 acknowledged, 1 lost"; got != want {
		t.Errorf("data-pod-delete figures %q, want %q", got, want)
	}
	if got, want := row(c, check.Provisioning).Figures.String(), "bind ≤ 4.0 s"; got != want {
		t.Errorf("provisioning figures %q, want %q", got, want)
	}
	if got := row(c, check.PowerCut).Figures; got != (RowFigures{}) {
		t.Errorf("a row without specs has figures %+v", got)
	}
	one := RowFigures{MinRTOSeconds: new(1.5), MaxRTOSeconds: new(1.5), MaxRPOSeconds: new(0.0)}
	if got, want := one.String(), "RTO 1.5 s, RPO ≤ 0.0 s"; got != want {
		t.Errorf("one RTO: %q, want %q", got, want)
	}
}
