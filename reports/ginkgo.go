package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// Label prefixes and report entry names the suites use to feed the certificate.
const (
	checkLabel    = "check:"
	workloadLabel = "workload:"
	faultLabel    = "fault:"
	// notApplicablePrefix starts the Skip() message of a spec that does not apply.
	notApplicablePrefix = "not applicable: "
	// judgingEntry is the report entry the suites add just before their verdict assertions: a
	// failure after it is the storage failing the check, a failure before it a set-up error.
	judgingEntry = "judging"
	// harnessErrorEntry is the report entry the suites add before failing a spec because the
	// harness itself failed (the agent or the API server could not be reached): the spec is an
	// Error even after "judging".
	harnessErrorEntry = "harness error"
	// maxReason caps a reason's length, in runes.
	maxReason = 300
)

// FromGinkgo builds the certificate for StorageClass class from the Ginkgo reports of the run
// (the JSON array `ginkgo --json-report` writes, one Report per suite) and the caller's
// environment fingerprint.
//
// A spec contributes to the row of every "check:<id>" label it carries; specs without such a
// label are ignored, unknown ids are listed in Warnings. Passed specs are Pass; specs skipped
// with a "not applicable: <reason>" message are NotApplicable; other skipped or pending specs are
// not counted; failed specs are Fail when they had reached their "judging" report entry, and
// Error before it or when they carry a "harness error" entry; panicked, interrupted, aborted and
// timed-out specs are Error.
//
// The certificate is incomplete (Complete false, Reason set) when reports is empty, when a suite
// was interrupted, timed out, failed to compile or was not run (a special suite failure reason),
// when its BeforeSuite failed, or when a spec aborted the run. It never returns an error: a
// report it cannot use makes the certificate incomplete or adds a warning. Times are in UTC.
func FromGinkgo(class string, reports []types.Report, env Environment) Certificate {
	c := newCertificate(class, env)
	b := builder{cert: &c, warned: map[string]bool{}}
	if len(reports) == 0 {
		b.incomplete("no Ginkgo report: the suites did not run")
	}
	for i, r := range reports {
		if i == 0 {
			c.Seed = r.SuiteConfig.RandomSeed
		}
		if !r.StartTime.IsZero() && (c.StartedAt.IsZero() || r.StartTime.Before(c.StartedAt)) {
			c.StartedAt = r.StartTime.UTC()
		}
		if r.EndTime.After(c.FinishedAt) {
			c.FinishedAt = r.EndTime.UTC()
		}
		b.suite(r)
	}
	c.Complete = len(b.why) == 0
	c.Reason = strings.Join(b.why, "; ")
	for i := range c.Rows {
		aggregate(&c.Rows[i])
	}
	c.settle()
	return c
}

// builder accumulates what FromGinkgo learns from the reports.
type builder struct {
	cert   *Certificate
	why    []string        // reasons the run is incomplete
	warned map[string]bool // warnings and reasons already recorded
}

// incomplete records, once, a reason why the run did not complete.
func (b *builder) incomplete(why string) {
	if !b.warned["incomplete\x00"+why] {
		b.warned["incomplete\x00"+why] = true
		b.why = append(b.why, why)
	}
}

// warn records a warning once.
func (b *builder) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !b.warned[w] {
		b.warned[w] = true
		b.cert.Warnings = append(b.cert.Warnings, w)
	}
}

// suite reads one suite's report.
func (b *builder) suite(r types.Report) {
	name := r.SuiteDescription
	if name == "" {
		name = filepath.Base(r.SuitePath)
	}
	if !r.SuiteSucceeded {
		for _, reason := range r.SpecialSuiteFailureReasons {
			// --fail-on-pending fails a suite whose specs all ran: not a reason to doubt the rows.
			if !strings.Contains(reason, "--fail-on-pending") {
				b.incomplete(fmt.Sprintf("suite %s: %s", name, oneLine(reason)))
			}
		}
	}
	for _, s := range r.SpecReports {
		if s.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) {
			b.suiteNode(name, s)
			continue
		}
		if s.State == types.SpecStateAborted {
			b.incomplete(fmt.Sprintf("suite %s: spec %q aborted the run", name, s.FullText()))
		}
		b.spec(s)
	}
}

// suiteNode handles BeforeSuite, AfterSuite and reporting nodes: a failed set-up means the
// specs could not run, a failed clean-up only warrants a warning.
func (b *builder) suiteNode(suite string, s types.SpecReport) {
	if !s.State.Is(types.SpecStateFailureStates) {
		return
	}
	if s.LeafNodeType.Is(types.NodeTypeBeforeSuite | types.NodeTypeSynchronizedBeforeSuite) {
		b.incomplete(fmt.Sprintf("suite %s: %s failed: %s", suite, s.LeafNodeType, failureReason(s.Failure)))
		return
	}
	b.warn("suite %s: %s failed: %s", suite, s.LeafNodeType, failureReason(s.Failure))
}

// spec adds one spec to the rows named by its check labels.
func (b *builder) spec(s types.SpecReport) {
	var checks []Check
	for _, l := range s.Labels() {
		id, ok := strings.CutPrefix(l, checkLabel)
		if !ok {
			continue
		}
		if c := Check(id); c.Known() {
			checks = append(checks, c)
		} else {
			b.warn("unknown check %q (label %q on spec %q): ignored", id, l, s.FullText())
		}
	}
	if len(checks) == 0 {
		return
	}
	res, counted := b.result(s)
	if !counted {
		return
	}
	for i := range b.cert.Rows {
		if slices.Contains(checks, b.cert.Rows[i].Check) {
			b.cert.Rows[i].Specs = append(b.cert.Rows[i].Specs, res)
		}
	}
}

// result turns a spec report into a SpecResult; counted is false for specs that did not run.
func (b *builder) result(s types.SpecReport) (res SpecResult, counted bool) {
	res = SpecResult{
		Name:            s.FullText(),
		Workload:        labelValues(s.Labels(), workloadLabel),
		Fault:           labelValues(s.Labels(), faultLabel),
		DurationSeconds: s.RunTime.Seconds(),
	}
	switch {
	case s.State == types.SpecStatePassed:
		res.Verdict = Pass
	case s.State == types.SpecStateSkipped:
		why, ok := strings.CutPrefix(s.Failure.Message, notApplicablePrefix)
		if !ok {
			return res, false
		}
		res.Verdict, res.Reason = NotApplicable, clip(oneLine(why))
	case s.State == types.SpecStateFailed && hasEntry(s, harnessErrorEntry):
		res.Verdict, res.Reason = Error, "harness error: "+failureReason(s.Failure)
	case s.State == types.SpecStateFailed && hasEntry(s, judgingEntry):
		res.Verdict, res.Reason = Fail, failureReason(s.Failure)
	case s.State == types.SpecStateFailed:
		res.Verdict, res.Reason = Error, "set-up failed before judging: "+failureReason(s.Failure)
	case s.State.Is(types.SpecStateFailureStates):
		res.Verdict, res.Reason = Error, s.State.String()+": "+failureReason(s.Failure)
	default: // pending, invalid
		return res, false
	}
	b.figures(s, &res)
	return res, true
}

// figures copies the measured figures from the spec's report entries (the last entry of a name
// wins); a value that is not a number is skipped with a warning.
func (b *builder) figures(s types.SpecReport, res *SpecResult) {
	for _, e := range s.ReportEntries {
		var dst **float64
		var count **int
		switch e.Name {
		case "rto seconds":
			dst = &res.RTOSeconds
		case "rpo seconds":
			dst = &res.RPOSeconds
		case "bind seconds":
			dst = &res.BindSeconds
		case "acknowledged writes":
			count = &res.Acknowledged
		case "lost writes":
			count = &res.Lost
		default:
			continue
		}
		v, ok := number(e.Value)
		if ok && count != nil && v != math.Trunc(v) {
			ok = false
		}
		if !ok {
			b.warn("spec %q: report entry %q is not a number: %s", res.Name, e.Name, clip(oneLine(e.Value.AsJSON)))
			continue
		}
		if dst != nil {
			*dst = &v
		} else {
			n := int(v)
			*count = &n
		}
	}
}

// number decodes a report entry's value as a JSON number. Values read from a JSON report carry
// AsJSON; values from an in-process report only their raw value.
func number(v types.ReportEntryValue) (float64, bool) {
	raw := []byte(v.AsJSON)
	if len(raw) == 0 {
		var err error
		if raw, err = json.Marshal(v.GetRawValue()); err != nil {
			return 0, false
		}
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// hasEntry reports whether the spec has a report entry called name.
func hasEntry(s types.SpecReport, name string) bool {
	for _, e := range s.ReportEntries {
		if e.Name == name {
			return true
		}
	}
	return false
}

// labelValues joins the values of the labels with the prefix, in label order, with "+".
func labelValues(labels []string, prefix string) string {
	var vs []string
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			vs = append(vs, v)
		}
	}
	return strings.Join(vs, "+")
}

// failureReason is the failure message on one line, clipped, with its location as file:line.
// Gomega messages often put the useful part after a "Expected"/"Unexpected error:" first line,
// so the lines are joined rather than cut at the first.
func failureReason(f types.Failure) string {
	msg := f.Message
	if f.ForwardedPanic != "" {
		msg += ": " + f.ForwardedPanic
	}
	r := clip(plainError(oneLine(msg)))
	if r == "" {
		r = "no failure message"
	}
	if f.Location.FileName != "" {
		r += fmt.Sprintf(" (at %s:%d)", filepath.Base(f.Location.FileName), f.Location.LineNumber)
	}
	return r
}

// gomegaError matches, on one line, what Gomega's HaveOccurred writes for an unexpected error
// (gomega/format.Object): "<desc> Unexpected error: <*T | 0x…>: <err.Error()> { <fields> }
// occurred". Group 1 is the description, group 2 the error text.
var gomegaError = regexp.MustCompile(`^(.*?)\s*Unexpected error: <[^>]*>: (.*?) \{ .*occurred$`)

// plainError rewrites a one-line Gomega "Unexpected error" message as "<desc>: <error text>",
// dropping the error's type, address and field dump, which mean nothing to a certificate's
// reader. Any other message is returned as it is.
func plainError(msg string) string {
	m := gomegaError.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	if m[1] == "" {
		return m[2]
	}
	return m[1] + ": " + m[2]
}

// oneLine collapses all runs of white space, newlines included, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip shortens s to maxReason runes, marking the cut with an ellipsis.
func clip(s string) string {
	r := []rune(s)
	if len(r) <= maxReason {
		return s
	}
	return string(r[:maxReason-1]) + "…"
}

// aggregate derives the row's verdict, reasons and figures from its specs.
func aggregate(r *Row) {
	r.Figures = summarize(r.Specs)
	count := map[Verdict]int{}
	for _, s := range r.Specs {
		count[s.Verdict]++
	}
	switch {
	case len(r.Specs) == 0:
		r.Verdict = NotRun
	case count[Error] > 0:
		r.Verdict = Error
	case count[Fail] > 0:
		r.Verdict = Fail
	case count[Pass] > 0:
		r.Verdict = Pass
	default:
		r.Verdict = NotApplicable
	}
	r.Reasons = []string{}
	for _, v := range []Verdict{Error, Fail, NotApplicable} {
		// Specs sharing a reason (the entries of one table, say) give one line naming the first.
		var order []string
		specs := map[string][]string{}
		for _, s := range r.Specs {
			if s.Verdict != v {
				continue
			}
			if _, seen := specs[s.Reason]; !seen {
				order = append(order, s.Reason)
			}
			if !slices.Contains(specs[s.Reason], s.Name) {
				specs[s.Reason] = append(specs[s.Reason], s.Name)
			}
		}
		for _, reason := range order {
			names := specs[reason]
			who := names[0]
			if len(names) > 1 {
				who += fmt.Sprintf(" (and %d more)", len(names)-1)
			}
			r.Reasons = append(r.Reasons, fmt.Sprintf("%s: %s: %s", who, verdictWords[v], reason))
		}
	}
}

// verdictWords names a verdict in a sentence.
var verdictWords = map[Verdict]string{
	Pass: "passed", Fail: "failed", NotApplicable: "not applicable", Error: "error", NotRun: "not run",
}
