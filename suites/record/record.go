// Package record is a spec's own typed record of what it did and what its judges decided
// (verdict.json in the spec's artifacts folder): the phase it reached, the faults it injected,
// each judge's outcome and the evidence the judges read. The suites write it; the certificate
// (package reports) is built from these records; `stateproof judge` re-runs the judges offline
// from them. Record first, judge after: every judgement that can be recomputed from saved
// evidence is recomputed by the same function here, in the run and offline.
package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/suites/judge"
)

// SchemaVersion identifies the format of a Spec record (field schemaVersion).
const SchemaVersion = "stateproof.io/spec-record/v3"

// Files of a spec's artifacts folder that the record names.
const (
	// FileName is the record itself.
	FileName = "verdict.json"
	// HistoryFile is the agent's history, one history.Op per line.
	HistoryFile = "history.jsonl"
	// ReadBackFile is the ids the workload held after recovery (a JSON array).
	ReadBackFile = "readback.json"
)

// Phase is how far a spec got. The phases come in this order; a spec records the last it entered.
type Phase string

// The phases of a spec.
const (
	// PhaseSetUp: leasing nodes, deploying the workload, checking the fault applies.
	PhaseSetUp Phase = "set-up"
	// PhaseTraffic: the agent writes; waiting for the writes needed before the fault.
	PhaseTraffic Phase = "traffic"
	// PhaseFault: injecting the fault.
	PhaseFault Phase = "fault"
	// PhaseRecovery: undoing the fault (start the node, uncordon) and waiting for it to take.
	PhaseRecovery Phase = "recovery"
	// PhaseJudging: measuring and judging what the workload kept.
	PhaseJudging Phase = "judging"
	// PhaseCleanUp: the body has returned; clean-up (DeferCleanup, AfterEach) runs.
	PhaseCleanUp Phase = "clean-up"
)

// Outcome is what one judge decided.
type Outcome string

// The outcomes of a judge.
const (
	// Pass: the storage behaved as required.
	Pass Outcome = "pass"
	// Fail: a confirmed finding against the storage or the workload on it (acknowledged writes
	// lost, identity changed).
	Fail Outcome = "fail"
	// Undecided: the judge could not decide (too few writes before the fault, a
	// linearizability search that timed out): an error in the certificate, never a pass or a
	// failure.
	Undecided Outcome = "undecided"
)

// ErrUndecided marks an error after which a judge could not decide; OutcomeOf maps an error
// wrapping it, or judge.ErrUnreliable, to Undecided.
var ErrUndecided = errors.New("could not decide")

// OutcomeOf maps a judge's error to its Outcome: nil is Pass, an error wrapping ErrUndecided or
// judge.ErrUnreliable is Undecided, any other error Fail.
func OutcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return Pass
	case errors.Is(err, ErrUndecided), errors.Is(err, judge.ErrUnreliable):
		return Undecided
	default:
		return Fail
	}
}

// Judge names one judge of a spec.
type Judge string

// The judges. Every judgement is re-run offline from the record's evidence (Rejudge).
const (
	// JudgePreconditions: enough writes acknowledged before the fault (recomputable).
	JudgePreconditions Judge = "preconditions"
	// JudgeRecovery: writes acknowledged again after recovery (from the history, for data
	// specs), or the StatefulSet Ready again (an Observation, for StatefulSet specs).
	JudgeRecovery Judge = "recovery"
	// JudgeData: every acknowledged write read back exactly once, nothing invented (recomputable).
	JudgeData Judge = "data"
	// JudgeReadBack: the workload answered the read-back (from DataInput.ReadBackError).
	JudgeReadBack Judge = "read-back"
	// JudgeRPO: the measured RPO within the workload's tolerance (recomputable).
	JudgeRPO Judge = "rpo"
	// JudgeRegisters: the register history is linearizable (porcupine; recomputable).
	JudgeRegisters Judge = "registers"
	// JudgeIdentity: StatefulSet pods kept name, hostname, PVC and PV (recomputable).
	JudgeIdentity Judge = "identity"
	// JudgeOrdering: StatefulSet pods created, deleted or replaced in ordinal order
	// (recomputable from the pod watch, see WatchCheck).
	JudgeOrdering Judge = "ordering"
	// JudgeBudget: the PodDisruptionBudget was never violated (recomputable from the pod watch).
	JudgeBudget Judge = "budget"
	// JudgeStorage: a StorageClass behaviour (binding, access modes, reclaim, expansion, PVC
	// retention), judged from the readings of an Observation.
	JudgeStorage Judge = "storage"
)

// Judgement is one judge's decision.
type Judgement struct {
	// Judge names the judge.
	Judge Judge `json:"judge"`
	// Outcome is what it decided.
	Outcome Outcome `json:"outcome"`
	// Message explains a failure or an undecided outcome; empty on pass.
	Message string `json:"message,omitempty"`
}

// Judged returns the Judgement of j for err (see OutcomeOf).
func Judged(j Judge, err error) Judgement {
	out := Judgement{Judge: j, Outcome: OutcomeOf(err)}
	if err != nil {
		out.Message = err.Error()
	}
	return out
}

// Injection is one fault the spec injected, with when it recovered and where its verdict
// starts among the spec's judgements.
type Injection struct {
	faults.Injection
	// RecoveredAt is when the fault's recovery returned (zero for a fault without recovery, or
	// when recovery did not complete).
	RecoveredAt time.Time `json:"recoveredAt,omitzero"`
	// RecoverySeconds is how long the recovery took, in seconds.
	RecoverySeconds float64 `json:"recoverySeconds,omitempty"`
	// FirstJudgement is the index in Spec.Judgements of the first judgement made after this
	// injection: the judgements from it up to the next injection's are this injection's
	// verdict (see Spec.InjectionVerdicts).
	FirstJudgement int `json:"firstJudgement"`
}

// InjectionVerdict is the verdict on one injection: the judgements made after it and before the
// next one, and their outcome.
type InjectionVerdict struct {
	// Fault is the injected fault's name.
	Fault string
	// Judgements are the judgements made after the injection, before the next.
	Judgements []Judgement
	// Outcome is Fail when one of them failed, else Undecided when one could not decide, else
	// Pass when there is at least one; "" without judgements.
	Outcome Outcome
}

// InjectionVerdicts splits judgements (the spec's, or Rejudge's recomputed ones, in the same
// order) among the spec's injections, each with its own verdict. Judgements made before the
// first injection belong to none.
func (s *Spec) InjectionVerdicts(judgements []Judgement) []InjectionVerdict {
	var out []InjectionVerdict
	for i, inj := range s.Injections {
		end := len(judgements)
		if i+1 < len(s.Injections) {
			end = min(s.Injections[i+1].FirstJudgement, end)
		}
		from := min(inj.FirstJudgement, end)
		v := InjectionVerdict{Fault: inj.Fault, Judgements: judgements[from:end]}
		for _, j := range v.Judgements {
			switch {
			case j.Outcome == Fail:
				v.Outcome = Fail
			case j.Outcome == Undecided && v.Outcome != Fail:
				v.Outcome = Undecided
			case v.Outcome == "":
				v.Outcome = Pass
			}
		}
		out = append(out, v)
	}
	return out
}

// Failure is where and why the spec failed, as Ginkgo reported it.
type Failure struct {
	// Phase is the phase the spec was in.
	Phase Phase `json:"phase"`
	// Node is Ginkgo's node type ("It", "DeferCleanup (Each)", "AfterEach", ...).
	Node string `json:"node"`
	// Message is the failure message; Location is file:line.
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// Figures are what a spec measured; nil when not measured.
type Figures struct {
	// RTOSeconds is the recovery time seen by the client, in seconds.
	RTOSeconds *float64 `json:"rtoSeconds,omitempty"`
	// RPOSeconds is the data-loss window, in seconds.
	RPOSeconds *float64 `json:"rpoSeconds,omitempty"`
	// Acknowledged, Lost and Unknown count writes (rows, keys, posts).
	Acknowledged *int `json:"acknowledged,omitempty"`
	Lost         *int `json:"lost,omitempty"`
	Unknown      *int `json:"unknown,omitempty"`
	// BindSeconds is how long a PVC took to bind, in seconds.
	BindSeconds *float64 `json:"bindSeconds,omitempty"`
	// Clients is how many of the agent's concurrent clients wrote (judge.Clients), Overlap
	// how concurrent the history is (judge.Overlap: operations in flight with each one, on
	// average) and RegisterOverlap the same per register (judge.RegisterOverlap; with the
	// register judge).
	Clients         *int     `json:"clients,omitempty"`
	Overlap         *float64 `json:"overlap,omitempty"`
	RegisterOverlap *float64 `json:"registerOverlap,omitempty"`
}

// IdentityEvidence is what the identity judge read: each pod's identity before the fault and
// after recovery, and whether the pod had to be replaced.
type IdentityEvidence struct {
	// Replaced selects judge.CheckReplacedSameIdentity instead of judge.CheckSameIdentity.
	Replaced bool `json:"replaced,omitempty"`
	// Seen says the identities were measured as the pods are seen (container hostname, DNS
	// record): every pod after recovery must also pass judge.CheckSeenIdentity.
	Seen   bool             `json:"seen,omitempty"`
	Before []judge.Identity `json:"before"`
	After  []judge.Identity `json:"after"`
}

// Spec is the record of one spec.
type Spec struct {
	// SchemaVersion is SchemaVersion.
	SchemaVersion string `json:"schemaVersion"`
	// Name is the spec's full text (Ginkgo's FullText).
	Name string `json:"name"`
	// Labels are the spec's Ginkgo labels (check:, workload:, fault: ...).
	Labels []string `json:"labels,omitempty"`
	// Phase is the last phase the spec entered.
	Phase Phase `json:"phase"`
	// State is Ginkgo's final state of the spec ("passed", "failed", "skipped", ...).
	State string `json:"state"`
	// RunSeconds is the spec's run time, in seconds.
	RunSeconds float64 `json:"runSeconds"`
	// Control marks a negative control: a spec that passes when its judges find the loss a
	// deliberately bad fixture causes (its failed judgements are the expected outcome).
	Control bool `json:"control,omitempty"`
	// NotApplicable is the reason the spec does not apply, when it was skipped for one.
	NotApplicable string `json:"notApplicable,omitempty"`
	// HarnessError says what the harness was doing when it failed (the agent or the API server
	// could not be reached): the spec could not decide.
	HarnessError string `json:"harnessError,omitempty"`
	// Failure is set when the spec failed.
	Failure *Failure `json:"failure,omitempty"`
	// Injections lists the faults injected, in order.
	Injections []Injection `json:"injections,omitempty"`
	// Judgements lists every judge's decision, in the order made.
	Judgements []Judgement `json:"judgements,omitempty"`
	// Figures are the spec's measurements.
	Figures Figures `json:"figures"`
	// Data is the data judge's input besides the history and read-back files; nil for specs
	// without traffic.
	Data *DataInput `json:"data,omitempty"`
	// Identity is the identity judge's evidence; nil when not judged.
	Identity *IdentityEvidence `json:"identity,omitempty"`
	// Watch lists the judgements made from the pod watch (PodEventsFile), in order.
	Watch []WatchCheck `json:"watch,omitempty"`
	// Observations lists the judgements made from conditions waited for (a PVC Bound, a
	// StatefulSet Ready again), with their readings, in order.
	Observations []Observation `json:"observations,omitempty"`
	// Images are the images the spec's pods really ran, as their kubelets reported them.
	Images []Image `json:"images,omitempty"`
}

// Image is one container image a pod ran: the image as the pod spec names it and the image
// the kubelet ran (status.containerStatuses[].imageID: a digest, which an upstream tag that
// floats or an offline image without a registry digest does not give).
type Image struct {
	// Image is status.containerStatuses[].image.
	Image string `json:"image"`
	// ImageID is status.containerStatuses[].imageID.
	ImageID string `json:"imageID"`
}

// New starts the record of spec name with labels, in PhaseSetUp.
func New(name string, labels []string) *Spec {
	return &Spec{SchemaVersion: SchemaVersion, Name: name, Labels: labels, Phase: PhaseSetUp}
}

// Add appends judgements.
func (s *Spec) Add(j ...Judgement) { s.Judgements = append(s.Judgements, j...) }

// With returns the judgements with outcome o, in order.
func (s *Spec) With(o Outcome) []Judgement {
	var out []Judgement
	for _, j := range s.Judgements {
		if j.Outcome == o {
			out = append(out, j)
		}
	}
	return out
}

// Write writes the record as dir/verdict.json (atomically: aside, then renamed). Errors are the
// file system's.
func (s *Spec) Write(dir string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Written aside and renamed, so that a reader never sees half a record.
	tmp := filepath.Join(dir, "."+FileName+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, FileName))
}

// Read reads the record dir/verdict.json. The error names the file, and says so when the
// record's schemaVersion is not SchemaVersion.
func Read(dir string) (*Spec, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%s: schemaVersion %q, want %q", path, s.SchemaVersion, SchemaVersion)
	}
	return &s, nil
}

// Found is a record read from a folder.
type Found struct {
	// Dir is the spec's artifacts folder.
	Dir string
	// Spec is its record.
	Spec *Spec
}

// ReadAll reads every verdict.json under root (root itself included), in lexical order of the
// folders. Records that cannot be read are returned as errors joined, next to those that could.
func ReadAll(root string) ([]Found, error) {
	var found []Found
	var errs []error
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != FileName {
			return nil
		}
		dir := filepath.Dir(path)
		s, rerr := Read(dir)
		if rerr != nil {
			errs = append(errs, rerr)
			return nil
		}
		found = append(found, Found{Dir: dir, Spec: s})
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return found, errors.Join(errs...)
}
