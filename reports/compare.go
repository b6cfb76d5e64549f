package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stateproof/stateproof/reports/check"
)

// RowDifference is one check whose verdict differs between two certificates.
type RowDifference struct {
	// Check is the row's id.
	Check Check
	// A and B are the row in the first and the second certificate; a row a certificate lacks is
	// reported as NotRun with no reasons.
	A, B Row
}

// Compare returns, in the order of check.All, every check whose verdict differs between a and b
// (for example kind's node-bound "standard" class and its "shared" class differ exactly in
// data-node-loss: not applicable against pass). Reasons, figures and the environment are not
// compared: two runs never measure the same RTO.
func Compare(a, b Certificate) []RowDifference {
	var out []RowDifference
	for _, id := range check.All {
		ra, rb := rowOf(a, id), rowOf(b, id)
		if ra.Verdict != rb.Verdict {
			out = append(out, RowDifference{Check: id, A: ra, B: rb})
		}
	}
	return out
}

// rowOf returns c's row for id, or a NotRun row when c has none.
func rowOf(c Certificate, id Check) Row {
	if i := slices.IndexFunc(c.Rows, func(r Row) bool { return r.Check == id }); i >= 0 {
		return c.Rows[i]
	}
	return Row{Check: id, Title: id.Title(), Verdict: NotRun}
}

// ExpectDifferences returns nil when the checks that differ between a and b (Compare) are
// exactly want, else an error naming the checks that differ but were not expected and those
// expected to differ that did not. An incomplete certificate is an error: its rows say nothing.
func ExpectDifferences(a, b Certificate, want []Check) error {
	for _, c := range []Certificate{a, b} {
		if !c.Complete {
			return fmt.Errorf("the certificate of %q is %s (%s): nothing to compare", c.StorageClass, c.Verdict, c.Reason)
		}
	}
	var got []Check
	for _, d := range Compare(a, b) {
		got = append(got, d.Check)
	}
	var extra, missing []string
	for _, id := range got {
		if !slices.Contains(want, id) {
			extra = append(extra, string(id))
		}
	}
	for _, id := range want {
		if !slices.Contains(got, id) {
			missing = append(missing, string(id))
		}
	}
	var why []string
	if len(extra) > 0 {
		why = append(why, "differ but were not expected to: "+strings.Join(extra, ", "))
	}
	if len(missing) > 0 {
		why = append(why, "were expected to differ but do not: "+strings.Join(missing, ", "))
	}
	if len(why) > 0 {
		return fmt.Errorf("certificates of %q and %q: rows %s", a.StorageClass, b.StorageClass, strings.Join(why, "; rows "))
	}
	return nil
}
