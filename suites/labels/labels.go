// Package labels is the suites' label vocabulary: which Ginkgo labels a spec may carry, derived
// from the registries (check ids, workloads, faults and their recovery paths), and the check of
// a spec tree against it. The suites run the check on every run (and `make test` on a dry run):
// a spec with an unknown check:, workload:, fault: or recovery: value, or a certificate row no
// spec can decide, fails the suite.
package labels

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/reports/check"
)

// Plain labels, without a key.
const (
	// Disruptive marks a spec that injects a fault.
	Disruptive = "disruptive"
	// Negative marks a negative control: a spec built to catch a loss, which decides no row.
	Negative = "negative"
	// Safety marks the specs proving a fault refuses to disrupt the harness.
	Safety = "safety"
	// Serial is Ginkgo's own label of a spec decorated Serial (it runs alone).
	Serial = "Serial"
)

// ConformanceKey is the key of the Kubernetes-conformance labels (conformance:statefulset).
const ConformanceKey = "conformance"

// Vocabulary is the set of labels a spec may carry.
type Vocabulary struct {
	// Values maps each label key to its valid values; a key without values takes any.
	Values map[string][]string
	// Plain are the valid labels without a key.
	Plain []string
	// Rows are the certificate rows that some non-negative spec must be able to decide.
	Rows []check.ID
}

// Registered is the vocabulary of the registries as they are now: every check id, workload,
// fault and recovery path.
func Registered() Vocabulary {
	var recoveries []string
	for _, k := range faults.All() {
		for _, p := range k.Paths {
			if p.Recovery != "" && !slices.Contains(recoveries, p.Recovery) {
				recoveries = append(recoveries, p.Recovery)
			}
		}
	}
	checks := make([]string, len(check.All))
	for i, c := range check.All {
		checks[i] = string(c)
	}
	return Vocabulary{
		Values: map[string][]string{
			check.LabelKey: checks, workloads.LabelKey: workloads.Names(), faults.LabelKey: faults.Names(),
			faults.RecoveryLabelKey: recoveries, ConformanceKey: nil,
		},
		Plain: []string{Disruptive, Negative, Safety, Serial},
		Rows:  check.All,
	}
}

// Problems returns what is wrong with the labels of specs (every spec of a suite, also those
// a filter skipped): each label that is not in v, naming the spec and the valid values, and each
// row of v.Rows that no spec outside the negative controls carries a check label for.
func (v Vocabulary) Problems(specs types.SpecReports) []string {
	var problems []string
	decided := map[check.ID]bool{}
	for _, s := range specs {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		labels := s.Labels()
		for _, l := range labels {
			if p := v.problem(l); p != "" {
				problems = append(problems, fmt.Sprintf("spec %q: %s", s.FullText(), p))
			}
			if id, ok := strings.CutPrefix(l, check.LabelKey+":"); ok && !slices.Contains(labels, Negative) {
				decided[check.ID(id)] = true
			}
		}
	}
	for _, row := range v.Rows {
		if !decided[row] {
			problems = append(problems, fmt.Sprintf("certificate row %s (%s): no spec carries %s outside the negative controls, so nothing can decide it", row, row.Title(), row.Label()))
		}
	}
	return problems
}

// problem says what is wrong with label l, or "".
func (v Vocabulary) problem(l string) string {
	key, value, keyed := strings.Cut(l, ":")
	if !keyed {
		if slices.Contains(v.Plain, l) {
			return ""
		}
		return fmt.Sprintf("unknown label %q: valid plain labels are %s, or key:value with a key of %s", l, strings.Join(v.Plain, ", "), strings.Join(v.keys(), ", "))
	}
	valid, known := v.Values[key]
	switch {
	case !known:
		return fmt.Sprintf("label %q has an unknown key %q: valid keys are %s", l, key, strings.Join(v.keys(), ", "))
	case valid != nil && !slices.Contains(valid, value):
		return fmt.Sprintf("label %q: unknown %s %q; registered: %s", l, key, value, strings.Join(valid, ", "))
	}
	return ""
}

// keys returns the label keys of v, sorted.
func (v Vocabulary) keys() []string {
	var keys []string
	for k := range v.Values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
