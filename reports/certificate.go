// Package reports turns the Ginkgo report of a stateproof run against one StorageClass into a
// certificate a storage team can file: a fixed list of checks, a verdict for each, the specs
// behind every verdict with their measured figures, and a headline (CERTIFIED, NOT CERTIFIED,
// FAILED, INCOMPLETE). The certificate is written as JSON (WriteJSON, schema in certificate.schema.json)
// and as a self-contained HTML page (WriteHTML). The package is pure: it never talks to a cluster.
package reports

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stateproof/stateproof/reports/check"
)

// SchemaVersion identifies the certificate format; it is the value of Certificate.SchemaVersion
// and of the schema's "schemaVersion" const. It changes only when the format changes
// incompatibly.
const SchemaVersion = "stateproof.io/certificate/v2"

// Verdict is the outcome of one spec or one check row.
type Verdict string

// The verdicts, from the JSON values "pass", "fail", "not-applicable", "error" and "not-run".
const (
	// Pass: the check ran and the storage behaved as required.
	Pass Verdict = "pass"
	// Fail: the check ran to its judgement and the storage (or the workload on it) did not
	// behave as required.
	Fail Verdict = "fail"
	// NotApplicable: the check does not apply to this StorageClass by design (for example a
	// node-bound volume cannot follow its pod to another node); the reason says why.
	NotApplicable Verdict = "not-applicable"
	// Error: the harness could not decide (set-up failed, a spec panicked, timed out or was
	// interrupted).
	Error Verdict = "error"
	// NotRun: no spec contributing to the row ran (filtered out, or the run stopped before it).
	NotRun Verdict = "not-run"
)

// Verdicts lists every Verdict, in order of the JSON schema's enum.
var Verdicts = []Verdict{Pass, Fail, NotApplicable, Error, NotRun}

// Known reports whether v is one of Verdicts.
func (v Verdict) Known() bool {
	for _, k := range Verdicts {
		if v == k {
			return true
		}
	}
	return false
}

// Check identifies one row of the certificate: an alias of check.ID, where the rows, their
// titles and the required ones are defined.
type Check = check.ID

// Summary is the certificate's headline verdict.
type Summary string

// The headline verdicts.
const (
	// SummaryCertified: the run completed, no row failed or errored, and every required row
	// (check.Required) passed.
	SummaryCertified Summary = "CERTIFIED"
	// SummaryNotCertified: the run completed and no row failed, but a row errored or a
	// required row did not pass (not applicable, not run); Certificate.Blocking says which.
	// A node-bound class, whose volumes cannot follow a pod to another node, ends here.
	SummaryNotCertified Summary = "NOT CERTIFIED"
	// SummaryFailed: the run completed and at least one row failed: the storage, or the
	// workload on it, did not behave as required (lost acknowledged writes, say).
	// Certificate.Blocking names the failed rows.
	SummaryFailed Summary = "FAILED"
	// SummaryIncomplete: the run was interrupted or could not start; Certificate.Reason says why.
	SummaryIncomplete Summary = "INCOMPLETE"
)

// Certificate is the verdict on one StorageClass. Build it with FromGinkgo or Incomplete; the
// JSON field names are given by the tags and documented in docs/certificate.md.
type Certificate struct {
	// SchemaVersion is always the constant SchemaVersion.
	SchemaVersion string `json:"schemaVersion"`
	// StorageClass is the name of the StorageClass tested.
	StorageClass string `json:"storageClass"`
	// Verdict is the headline: SummaryCertified, SummaryNotCertified, SummaryFailed or
	// SummaryIncomplete.
	Verdict Summary `json:"verdict"`
	// Certified is true only when Complete, no row is Fail or Error and every row of
	// check.Required is Pass.
	Certified bool `json:"certified"`
	// Complete is false when the run was interrupted or failed to start; Reason then says why.
	Complete bool `json:"complete"`
	// Reason says why the run is incomplete; empty when Complete.
	Reason string `json:"reason,omitempty"`
	// Blocking says, one line per row in row order, why a complete certificate is not
	// certified: every row that failed or errored and every required row that did not pass, as
	// "<title>: <verdict>: <why>". Empty when certified or incomplete (Reason then says why).
	Blocking []string `json:"blocking,omitempty"`
	// Environment fingerprints what was tested.
	Environment Environment `json:"environment"`
	// StartedAt and FinishedAt bound the run (earliest suite start, latest suite end); omitted
	// from the JSON when unknown (zero).
	StartedAt  time.Time `json:"startedAt,omitzero"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	// Seed is Ginkgo's random seed (--seed), to reproduce the spec order.
	Seed int64 `json:"seed"`
	// Run records what was run: the caller fills it (FromGinkgo leaves it empty but for
	// Images, which it gathers from the specs' records).
	Run Run `json:"run"`
	// Rows holds one row per entry of check.All, in that order.
	Rows []Row `json:"rows"`
	// Degraded says why the run left the cluster degraded: the suites' final node check
	// (AfterSuite) failed, a node not Ready or still carrying a cordon or a taint a fault set.
	// A degraded certificate is never CERTIFIED: Blocking then names it (a FAILED one stays
	// FAILED).
	Degraded string `json:"degraded,omitempty"`
	// Warnings lists problems with the input that did not change a verdict (unknown check
	// labels, a failing reporting node).
	Warnings []string `json:"warnings,omitempty"`
}

// Environment fingerprints the cluster and StorageClass that were tested. The caller fills it;
// the package copies it into the certificate unchanged.
type Environment struct {
	// KubernetesVersion is the API server's version, e.g. "v1.34.4".
	KubernetesVersion string `json:"kubernetesVersion"`
	// Nodes is the number of nodes in the cluster.
	Nodes int `json:"nodes"`
	// Provisioner is the StorageClass's provisioner, e.g. "rancher.io/local-path".
	Provisioner string `json:"provisioner"`
	// Parameters are the StorageClass's parameters.
	Parameters map[string]string `json:"parameters"`
	// ReclaimPolicy is the StorageClass's reclaim policy ("Delete" or "Retain").
	ReclaimPolicy string `json:"reclaimPolicy"`
	// VolumeBindingMode is "Immediate" or "WaitForFirstConsumer".
	VolumeBindingMode string `json:"volumeBindingMode"`
	// AllowVolumeExpansion is the StorageClass's allowVolumeExpansion.
	AllowVolumeExpansion bool `json:"allowVolumeExpansion"`
	// StateproofVersion is the version of the stateproof binary that ran the suites.
	StateproofVersion string `json:"stateproofVersion"`
	// Context is the kubeconfig context used.
	Context string `json:"context"`
	// Cluster is the cluster's name as the kubeconfig context names it.
	Cluster string `json:"cluster"`
}

// Run records what a certification ran.
type Run struct {
	// Workloads and Faults are the ones selected (--workloads, --faults).
	Workloads []string `json:"workloads"`
	Faults    []string `json:"faults"`
	// LabelFilter is the Ginkgo label filter the suites ran with.
	LabelFilter string `json:"labelFilter"`
	// SuiteRevision is the version of the suite binary (its main module's version or VCS
	// revision from its build info; "devel" when unknown).
	SuiteRevision string `json:"suiteRevision"`
	// Images lists every image the specs' pods ran, with the image ID their kubelets reported
	// (status.containerStatuses[].imageID), sorted and without repeats.
	Images []RunImage `json:"images"`
	// WorkloadFile is the external workload's file (--workload-file), nil without one.
	WorkloadFile *WorkloadFile `json:"workloadFile,omitempty"`
}

// WorkloadFile identifies the file an external workload was described in.
type WorkloadFile struct {
	// Path is the file's path as given to --workload-file.
	Path string `json:"path"`
	// SHA256 is the hex SHA-256 of the file and, in order, every manifest it names.
	SHA256 string `json:"sha256"`
}

// RunImage is an image the run's pods ran.
type RunImage struct {
	// Image is the image as the pods named it; ImageID what the kubelet ran.
	Image   string `json:"image"`
	ImageID string `json:"imageID"`
}

// Row is the verdict on one check.
type Row struct {
	// Check is the row's id.
	Check Check `json:"check"`
	// Title is Check.Title().
	Title string `json:"title"`
	// Verdict aggregates the specs: NotRun without specs, else Fail if any failed (a confirmed
	// loss outranks a spec that could not decide), else Error if any errored, else Pass if any
	// passed, else NotApplicable.
	Verdict Verdict `json:"verdict"`
	// Reasons explains failures, errors and non-applicability, deduplicated, each prefixed with
	// the spec it came from; failures first, then errors, then not-applicable.
	Reasons []string `json:"reasons"`
	// Specs are the specs that contributed, in report order.
	Specs []SpecResult `json:"specs"`
	// Figures sums up the figures the specs measured (RTO range, writes acknowledged and lost,
	// longest bind).
	Figures RowFigures `json:"figures"`
}

// SpecResult is one Ginkgo spec's contribution to a row, with the figures it measured. Figures
// the spec did not report are nil.
type SpecResult struct {
	// Name is the spec's full text (containers and leaf).
	Name string `json:"name"`
	// Workload is the value of the spec's "workload:<w>" label(s), joined with "+".
	Workload string `json:"workload,omitempty"`
	// Fault is the value of the spec's "fault:<f>" label(s), joined with "+".
	Fault string `json:"fault,omitempty"`
	// Verdict is Pass, Fail, NotApplicable or Error.
	Verdict Verdict `json:"verdict"`
	// Reason is the failure, error or not-applicable message, empty on Pass.
	Reason string `json:"reason,omitempty"`
	// Phase is the last phase the spec entered, from its record (set-up, traffic, fault,
	// recovery, judging, clean-up); empty when it wrote no record.
	Phase string `json:"phase,omitempty"`
	// RTOSeconds is the recovery time in seconds (from the spec's record).
	RTOSeconds *float64 `json:"rtoSeconds,omitempty"`
	// RPOSeconds is the data-loss window in seconds.
	RPOSeconds *float64 `json:"rpoSeconds,omitempty"`
	// Acknowledged is the number of writes the workload acknowledged.
	Acknowledged *int `json:"acknowledged,omitempty"`
	// Lost is the number of acknowledged writes not read back.
	Lost *int `json:"lost,omitempty"`
	// BindSeconds is the time in seconds a PVC took to bind.
	BindSeconds *float64 `json:"bindSeconds,omitempty"`
	// DurationSeconds is the spec's run time in seconds.
	DurationSeconds float64 `json:"durationSeconds"`
}

// Incomplete returns the certificate for a run that could not start or did not produce a
// report: every row NotRun, Complete false, Verdict SummaryIncomplete and reason as Reason (a
// placeholder when empty). The CLI writes it on any failure, so a verdict is always filed.
func Incomplete(class string, env Environment, reason string) Certificate {
	c := newCertificate(class, env)
	c.Reason = reason
	if c.Reason == "" {
		c.Reason = "the run did not complete (no reason given)"
	}
	c.settle()
	return c
}

// newCertificate returns an incomplete certificate with every row NotRun.
func newCertificate(class string, env Environment) Certificate {
	if env.Parameters == nil {
		env.Parameters = map[string]string{}
	}
	c := Certificate{SchemaVersion: SchemaVersion, StorageClass: class, Environment: env,
		Run: Run{Workloads: []string{}, Faults: []string{}, Images: []RunImage{}}}
	for _, id := range check.All {
		c.Rows = append(c.Rows, Row{Check: id, Title: id.Title(), Verdict: NotRun, Reasons: []string{}, Specs: []SpecResult{}})
	}
	return c
}

// settle derives Blocking, Certified and Verdict from Complete and the rows.
func (c *Certificate) settle() {
	c.Blocking = nil
	if c.Complete {
		c.Blocking = blocking(c.Rows, c.Degraded)
	}
	c.Certified = c.Complete && len(c.Blocking) == 0
	c.Verdict = headline(c.Complete, c.Certified, c.Rows)
}

// headline is the Summary of a certificate: SummaryIncomplete unless complete, then
// SummaryCertified when certified, SummaryFailed when a row failed, else SummaryNotCertified.
func headline(complete, certified bool, rows []Row) Summary {
	switch {
	case !complete:
		return SummaryIncomplete
	case certified:
		return SummaryCertified
	case slices.ContainsFunc(rows, func(r Row) bool { return r.Verdict == Fail }):
		return SummaryFailed
	default:
		return SummaryNotCertified
	}
}

// maxBlockingWhy caps how many distinct reasons one Blocking line quotes.
const maxBlockingWhy = 3

// blocking lists why rows deny certification: a line per row that failed or errored or is
// required and did not pass, in row order, then a line per required check without a row, then
// the cluster left degraded (when degraded is not empty).
func blocking(rows []Row, degraded string) []string {
	var out []string
	for _, r := range rows {
		if r.Verdict == Fail || r.Verdict == Error || (r.Check.Required() && r.Verdict != Pass) {
			out = append(out, blockingLine(r))
		}
	}
	for _, id := range check.Required {
		if !slices.ContainsFunc(rows, func(r Row) bool { return r.Check == id }) {
			out = append(out, fmt.Sprintf("%s: no row (a required check must pass)", id.Title()))
		}
	}
	if degraded != "" {
		out = append(out, "the run left the cluster degraded: "+degraded)
	}
	return out
}

// blockingLine is "<title>: <verdict>: <why>": the distinct reasons of the row's specs that
// share its verdict (spec name first for failures and errors), at most maxBlockingWhy of them.
func blockingLine(r Row) string {
	title := r.Title
	if title == "" {
		title = string(r.Check)
	}
	var why []string
	for _, s := range r.Specs {
		// A failed row names its losses first, then the specs that could not decide.
		also := r.Verdict == Fail && s.Verdict == Error
		if (s.Verdict != r.Verdict && !also) || s.Reason == "" {
			continue
		}
		w := s.Reason
		if r.Verdict == Fail || r.Verdict == Error {
			w = s.Name + ": " + s.Reason
		}
		if also {
			w = "error: " + w
		}
		if !slices.Contains(why, w) {
			why = append(why, w)
		}
	}
	slices.SortStableFunc(why, func(a, b string) int {
		return boolInt(strings.HasPrefix(a, "error: ")) - boolInt(strings.HasPrefix(b, "error: "))
	})
	if r.Verdict == NotRun {
		why = []string{"no spec contributing to it ran"}
	}
	if len(why) > maxBlockingWhy {
		why = append(why[:maxBlockingWhy], fmt.Sprintf("and %d more", len(why)-maxBlockingWhy))
	}
	line := title + ": " + verdictWords[r.Verdict]
	if len(why) > 0 {
		line += ": " + strings.Join(why, "; ")
	}
	if r.Verdict == NotApplicable || r.Verdict == NotRun {
		line += " (a required check must pass)"
	}
	return line
}

// boolInt is 1 for true, 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
