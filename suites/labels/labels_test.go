package labels

import (
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/reports/check"
)

// spec is an It spec with labels.
func spec(text string, labels ...string) types.SpecReport {
	return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, LeafNodeLabels: labels}
}

var vocabulary = Vocabulary{
	Values: map[string][]string{"check": {"data-pod-delete", "identity"}, "workload": {"mysql"}, "fault": {"pod-delete"}, "conformance": nil},
	Plain:  []string{"disruptive", "negative"},
	Rows:   []check.ID{check.DataPodDelete, check.Identity},
}

func TestAKnownTreeHasNoProblems(t *testing.T) {
	specs := types.SpecReports{
		spec("keeps writes", "workload:mysql", "fault:pod-delete", "check:data-pod-delete", "disruptive"),
		spec("keeps identity", "conformance:statefulset", "check:identity"),
	}
	if p := vocabulary.Problems(specs); len(p) != 0 {
		t.Errorf("problems %q", p)
	}
}

// The negative controls of the checker: each broken tree must be caught, naming what is wrong.
func TestProblemsCatchesUnknownLabelsAndUndecidedRows(t *testing.T) {
	ok := spec("keeps identity", "check:identity")
	for name, tc := range map[string]struct {
		specs types.SpecReports
		want  string
	}{
		"unknown workload":  {types.SpecReports{ok, spec("x", "workload:postgres", "check:data-pod-delete")}, `unknown workload "postgres"; registered: mysql`},
		"unknown fault":     {types.SpecReports{ok, spec("x", "fault:meteor", "check:data-pod-delete")}, `unknown fault "meteor"`},
		"unknown check":     {types.SpecReports{ok, spec("x", "check:data-pod-delet")}, `unknown check "data-pod-delet"`},
		"unknown key":       {types.SpecReports{ok, spec("x", "chek:identity", "check:data-pod-delete")}, `unknown key "chek"`},
		"unknown plain":     {types.SpecReports{ok, spec("x", "disruptiv", "check:data-pod-delete")}, `unknown label "disruptiv"`},
		"row not decidable": {types.SpecReports{ok}, "certificate row data-pod-delete"},
		"row decided only by a negative control": {
			types.SpecReports{ok, spec("x", "negative", "check:data-pod-delete")}, "certificate row data-pod-delete",
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := vocabulary.Problems(tc.specs)
			if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, tc.want) }) {
				t.Errorf("problems %q, want one containing %q", p, tc.want)
			}
		})
	}
}
