package reports

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/suites/record"
)

// Label prefixes the suites use to feed the certificate.
const (
	checkLabel    = "check:"
	workloadLabel = "workload:"
	faultLabel    = "fault:"
	// maxReason caps a reason's length, in runes.
	maxReason = 300
)

// Records are the specs' own records (verdict.json, package record) by spec full text.
type Records map[string]*record.Spec

// RecordsOf indexes found records by spec name; a later record of the same name replaces an
// earlier one.
func RecordsOf(found []record.Found) Records {
	out := Records{}
	for _, f := range found {
		out[f.Spec.Name] = f.Spec
	}
	return out
}

// FromGinkgo builds the certificate for StorageClass class from the Ginkgo reports of the run
// (the JSON array `ginkgo --json-report` writes, one Report per suite), the specs' own records
// and the caller's environment fingerprint.
//
// A spec contributes to the row of every "check:<id>" label it carries; specs without such a
// label are ignored, unknown ids are listed in Warnings. The spec's verdict comes from its record
// (see specVerdict): Ginkgo's report supplies only its state, timing and failure message and
// location. A spec that ran without a record is an error.
//
// The certificate is incomplete (Complete false, Reason set) when reports is empty, when a suite
// was interrupted, timed out, failed to compile or was not run (a special suite failure reason),
// when its BeforeSuite failed, or when a spec aborted the run. It never returns an error: a
// report it cannot use makes the certificate incomplete or adds a warning. Times are in UTC.
func FromGinkgo(class string, reports []types.Report, records Records, env Environment) Certificate {
	c := newCertificate(class, env)
	b := builder{cert: &c, records: records, warned: map[string]bool{}}
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
	c.Run.Images = images(records)
	c.Complete = len(b.why) == 0
	c.Reason = strings.Join(b.why, "; ")
	for i := range c.Rows {
		aggregate(&c.Rows[i])
	}
	c.settle()
	return c
}

// images gathers the images every record's pods ran, sorted, without repeats.
func images(records Records) []RunImage {
	seen := map[RunImage]bool{}
	out := []RunImage{}
	for _, r := range records {
		for _, im := range r.Images {
			ri := RunImage{Image: im.Image, ImageID: im.ImageID}
			if !seen[ri] {
				seen[ri] = true
				out = append(out, ri)
			}
		}
	}
	slices.SortFunc(out, func(a, b RunImage) int { return strings.Compare(a.Image+"\x00"+a.ImageID, b.Image+"\x00"+b.ImageID) })
	return out
}

// builder accumulates what FromGinkgo learns from the reports.
type builder struct {
	cert    *Certificate
	records Records
	why     []string        // reasons the run is incomplete
	warned  map[string]bool // warnings and reasons already recorded
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
// specs could not run; a failed AfterSuite (the suites' final node check) means the run left
// the cluster degraded; a failed reporting node only warrants a warning.
func (b *builder) suiteNode(suite string, s types.SpecReport) {
	if !s.State.Is(types.SpecStateFailureStates) {
		return
	}
	if s.LeafNodeType.Is(types.NodeTypeBeforeSuite | types.NodeTypeSynchronizedBeforeSuite) {
		b.incomplete(fmt.Sprintf("suite %s: %s failed: %s", suite, s.LeafNodeType, failureReason(s.Failure)))
		return
	}
	if s.LeafNodeType.Is(types.NodeTypeAfterSuite | types.NodeTypeSynchronizedAfterSuite) {
		// The suites' final node check: a fault was not undone.
		why := fmt.Sprintf("suite %s: %s failed: %s", suite, s.LeafNodeType, failureReason(s.Failure))
		if b.cert.Degraded != "" {
			why = b.cert.Degraded + "; " + why
		}
		b.cert.Degraded = why
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

// result turns a spec report and its record into a SpecResult; counted is false for specs that
// did not run (filtered out, pending, skipped without a not-applicable reason).
func (b *builder) result(s types.SpecReport) (res SpecResult, counted bool) {
	res = SpecResult{
		Name:            s.FullText(),
		Workload:        labelValues(s.Labels(), workloadLabel),
		Fault:           labelValues(s.Labels(), faultLabel),
		DurationSeconds: s.RunTime.Seconds(),
	}
	rec := b.records[res.Name]
	if s.State == types.SpecStateSkipped && (rec == nil || rec.NotApplicable == "") {
		return res, false
	}
	if !s.State.Is(types.SpecStatePassed | types.SpecStateSkipped | types.SpecStateFailureStates) {
		return res, false // pending, invalid
	}
	res.Verdict, res.Reason = specVerdict(s.State, s.Failure, rec)
	if rec != nil {
		f := rec.Figures
		res.RTOSeconds, res.RPOSeconds, res.BindSeconds = f.RTOSeconds, f.RPOSeconds, f.BindSeconds
		res.Acknowledged, res.Lost = f.Acknowledged, f.Lost
		res.Phase = string(rec.Phase)
	}
	return res, true
}

// SpecVerdict decides a spec's verdict and reason from its record alone (the Ginkgo state and
// failure it copied), as FromGinkgo does from the Ginkgo report and the record: `stateproof
// judge` uses it to show the verdict a run's records give. An unknown state counts as failed.
func SpecVerdict(rec *record.Spec) (Verdict, string) {
	var state types.SpecState
	if err := json.Unmarshal([]byte(strconv.Quote(rec.State)), &state); err != nil || state == types.SpecStateInvalid {
		state = types.SpecStateFailed
	}
	var f types.Failure
	if rec.Failure != nil {
		f.Message = rec.Failure.Message
		if file, line, ok := strings.Cut(rec.Failure.Location, ":"); ok {
			f.Location.FileName = file
			f.Location.LineNumber, _ = strconv.Atoi(line)
		}
	}
	return specVerdict(state, f, rec)
}

// specVerdict decides a spec's verdict from its Ginkgo state and failure and its record rec
// (nil when it wrote none):
//   - a negative control (rec.Control) that passed is Pass: its judges caught the seeded loss;
//   - a recorded judgement that failed is Fail, whatever else went wrong (a loss outranks a
//     clean-up or harness error);
//   - skipped with a recorded not-applicable reason is NotApplicable;
//   - passed with no undecided judgement is Pass;
//   - anything else is Error: an undecided judgement ("could not decide": too few writes
//     before the fault, a linearizability search that timed out), a harness error, a failure in
//     set-up, traffic, fault or recovery, a failure in clean-up after the body passed (never
//     blamed on the storage), a timeout, interruption or panic, or no record at all.
func specVerdict(state types.SpecState, failure types.Failure, rec *record.Spec) (Verdict, string) {
	if rec == nil {
		if state == types.SpecStatePassed {
			return Error, "the spec passed but wrote no record (verdict.json): its verdict cannot be trusted"
		}
		return Error, state.String() + " (no record): " + failureReason(failure)
	}
	if rec.Control && state == types.SpecStatePassed {
		return Pass, "" // a negative control whose judges caught the seeded loss
	}
	if fails := rec.With(record.Fail); len(fails) > 0 {
		why := clip(judgementsReason(fails)) + location(failure)
		if rec.Failure != nil && rec.Failure.Phase == record.PhaseCleanUp {
			why += "; clean-up also failed: " + failureReason(failure)
		}
		return Fail, why
	}
	undecided := rec.With(record.Undecided)
	switch {
	case state == types.SpecStateSkipped:
		return NotApplicable, clip(oneLine(rec.NotApplicable))
	case state == types.SpecStatePassed && len(undecided) == 0:
		return Pass, ""
	case len(undecided) > 0:
		return Error, clip("could not decide: " + judgementsReason(undecided))
	case rec.HarnessError != "":
		return Error, "harness error while " + rec.HarnessError + ": " + failureReason(failure)
	}
	phase := rec.Phase
	if rec.Failure != nil {
		phase = rec.Failure.Phase
	}
	switch {
	case phase == record.PhaseCleanUp:
		return Error, "clean-up failed after the spec's judges passed (not the storage's failure): " + failureReason(failure)
	case state == types.SpecStateFailed:
		return Error, string(phase) + " failed: " + failureReason(failure)
	default: // timed out, interrupted, panicked, aborted
		return Error, state.String() + " during " + string(phase) + ": " + failureReason(failure)
	}
}

// judgementsReason is the judgements' messages (the judge's name for one without a message),
// joined by "; ".
func judgementsReason(js []record.Judgement) string {
	parts := make([]string, 0, len(js))
	for _, j := range js {
		msg := oneLine(j.Message)
		if msg == "" {
			msg = string(j.Judge) + " " + string(j.Outcome)
		}
		parts = append(parts, msg)
	}
	return strings.Join(parts, "; ")
}

// location is " (at file:line)" for a failure with a location, else "".
func location(f types.Failure) string {
	if f.Location.FileName == "" {
		return ""
	}
	return fmt.Sprintf(" (at %s:%d)", filepath.Base(f.Location.FileName), f.Location.LineNumber)
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
	return r + location(f)
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
	r.Verdict = rowVerdict(r.Specs)
	r.Reasons = []string{}
	for _, v := range []Verdict{Fail, Error, NotApplicable} {
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

// rowVerdict is the verdict of a row with specs: NotRun without specs, else Fail if any failed
// (a confirmed loss outranks a spec that could not decide), else Error if any errored, else
// Pass if any passed, else NotApplicable.
func rowVerdict(specs []SpecResult) Verdict {
	count := map[Verdict]int{}
	for _, s := range specs {
		count[s.Verdict]++
	}
	switch {
	case len(specs) == 0:
		return NotRun
	case count[Fail] > 0:
		return Fail
	case count[Error] > 0:
		return Error
	case count[Pass] > 0:
		return Pass
	default:
		return NotApplicable
	}
}

// verdictWords names a verdict in a sentence.
var verdictWords = map[Verdict]string{
	Pass: "passed", Fail: "failed", NotApplicable: "not applicable", Error: "error", NotRun: "not run",
}
