//go:build e2e

package suites

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/traffic/history"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/record"
)

const (
	// minAckedBeforeFault is the precondition of a workload that sets no workload.minAcked:
	// fewer acknowledged writes before the fault and the run proves nothing.
	minAckedBeforeFault = 100
	// ackedAfterRecovery writes must be acknowledged after the fault before the run stops, so
	// that recovery is part of the history.
	ackedAfterRecovery = 50
)

// agentSetUpTimeout bounds the agent's workload set-up (its --setup-timeout): WordPress's
// installation (install.php creates the tables) once took more than 2 minutes on 2 saturated
// cores (session 7).
const agentSetUpTimeout = 4 * time.Minute

// startAgent starts the in-cluster writer and registers its stop.
func startAgent(ctx context.Context, spec agent.PodSpec) *agent.Handle {
	spec.Image = env.images.Agent
	spec.Args = append(spec.Args, "--setup-timeout", agentSetUpTimeout.String())
	a, err := agent.Start(ctx, env.client, spec, 2*time.Minute)
	Expect(err).NotTo(HaveOccurred())
	return a
}

// requireApplicable fails the spec when the fault cannot run on this cluster (Available) and
// skips it, with the reason, when the fault does not apply to this target by design: reported as
// "not applicable", never as a pass (with --require-applicable, a failure). Call it before
// starting traffic. On a site that requires applicability (the movable class), not applicable is
// a failure.
func requireApplicable(ctx context.Context, s site, f faults.Fault, target faults.Target) {
	Expect(f.Available(ctx)).To(Succeed(), "fault %s is not available on this cluster", f.Name())
	if a, ok := f.(faults.Applicability); ok {
		err := a.Applicable(ctx, target)
		if na := (*faults.NotApplicableError)(nil); errors.As(err, &na) {
			if s.requireApplicable {
				Fail(fmt.Sprintf("StorageClass %s must make this spec applicable (--require-applicable or --movable-storage-class): %s", s.storageClass, na.Error()))
			}
			notApplicable(na.Reason)
		}
		Expect(err).NotTo(HaveOccurred())
	}
}

// dataSurvivesFault is the shared data-survival scenario: writes flow, the fault hits target,
// the fault is recovered (if it has a recovery), and every acknowledged write of w must be read
// back, with the pod's identity (name, hostname, PVC, PV) unchanged when it is a StatefulSet pod
// (w.ClaimTemplate set). Measurements go into the
// report. The caller has called requireApplicable before starting the agent.
func dataSurvivesFault(ctx context.Context, w workloads.Workload, a *agent.Handle, f faults.Fault, target faults.Target) {
	writesFlowing(ctx, a, minAcked(w))
	if w.ClaimTemplate == "" { // a Deployment's pod: no identity to keep
		dataKept(ctx, w, a, injectAndRecover(ctx, f, target))
		return
	}
	before := identity(ctx, target.Namespace, target.Pod, w.ClaimTemplate)
	inj := injectAndRecover(ctx, f, target)
	dataKept(ctx, w, a, inj)
	// pod-delete and out-of-service prove the replacement (new UID) in Inject; after a node
	// returns the pod may be the same one.
	identityKept(ctx, target, before, w.ClaimTemplate, false)
}

// writesFlowing waits until the agent has n acknowledged writes (the precondition) and reports
// its CPU share over n more.
func writesFlowing(ctx context.Context, a *agent.Handle, n int) {
	enter(record.PhaseTraffic)
	By(fmt.Sprintf("waiting for %d acknowledged writes before the fault", n))
	started, err := a.WaitAcknowledged(ctx, n, agentSetUpTimeout+time.Minute) // the set-up comes first
	Expect(err).NotTo(HaveOccurred())
	// n more writes measure the agent's CPU in steady writing (its start-up excluded).
	steady, err := a.WaitAcknowledged(ctx, started.OK+n, time.Minute)
	Expect(err).NotTo(HaveOccurred())
	if up := steady.UpSeconds - started.UpSeconds; up > 0 {
		AddReportEntry("agent cpu share of a core", (steady.CPUSeconds-started.CPUSeconds)/up)
	}
}

// inject registers the fault's recovery (run even if the injection fails half-way or the spec
// fails later), injects it, and saves the injection record.
func inject(ctx context.Context, f faults.Fault, target faults.Target) faults.Injection {
	enter(record.PhaseFault)
	By("injecting " + f.Name() + " into " + target.String())
	if r, ok := f.(faults.Recoverer); ok {
		markNode(ctx, target)
		DeferCleanup(r.Recover, NodeTimeout(faults.RecoverTimeout))
	}
	inj, err := f.Inject(ctx, target)
	writeJSON(filepath.Join(specArtifacts(""), f.Name()+"-injection.json"), inj)
	recordInjection(inj)
	Expect(err).NotTo(HaveOccurred(), "the fault could not be injected: this is an error, not a pass")
	AddReportEntry("injection", inj)
	return inj
}

// markNode labels the node of target's pod with the run id (kube.FaultRunLabel) before a fault
// that recovers (a node fault: cordon, taint, stop, pause) touches it, and registers, to run
// after the fault's own recovery, the label's removal once the node is healthy again: a node
// still marked after the run is one an interrupted run left, which `stateproof certify` and
// `stateproof cleanup` undo.
func markNode(ctx context.Context, target faults.Target) {
	GinkgoHelper()
	pod, err := env.client.Clientset.CoreV1().Pods(target.Namespace).Get(ctx, target.Pod, metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred(), "finding the node of %s", target)
	node := pod.Spec.NodeName
	Expect(env.client.MarkNode(ctx, node)).To(Succeed())
	DeferCleanup(func(ctx context.Context) {
		// The node lifecycle controller lifts its unreachable and not-ready taints a few seconds
		// after the node is Ready again.
		err := wait.PollUntilContextTimeout(ctx, time.Second, faults.UnmarkTimeout-5*time.Second, true, func(ctx context.Context) (bool, error) {
			return env.client.UnmarkNode(ctx, node)
		})
		if err != nil {
			GinkgoWriter.Printf("node %s stays labelled %s (not healthy again: %v): stateproof cleanup undoes it\n", node, kube.FaultRunLabel, err)
		}
	}, NodeTimeout(faults.UnmarkTimeout))
}

// injectAndRecover injects the fault (see inject) and, if it has a recovery, runs it at once
// (see recoverFault).
func injectAndRecover(ctx context.Context, f faults.Fault, target faults.Target) faults.Injection {
	inj := inject(ctx, f, target)
	if r, ok := f.(faults.Recoverer); ok {
		recoverFault(ctx, f.Name(), r)
	}
	return inj
}

// recoverFault runs a fault's recovery now (uncordon, start the node, remove taints) and reports
// how long it took.
func recoverFault(ctx context.Context, name string, r faults.Recoverer) {
	enter(record.PhaseRecovery)
	By("recovering from " + name)
	t0 := time.Now()
	Expect(r.Recover(ctx)).To(Succeed())
	took := time.Since(t0)
	recorded(func(r *record.Spec) {
		if n := len(r.Injections); n > 0 {
			r.Injections[n-1].RecoveredAt, r.Injections[n-1].RecoverySeconds = time.Now(), took.Seconds()
		}
	})
	AddReportEntry(name+" recovery seconds", took.Seconds())
}

// measureData waits for writes to be acknowledged again after recovery, stops the writer, reads
// everything back and judges w's unique writes against the read-back (record.DecideData, which
// `stateproof judge` re-runs on the saved history and read-back): preconditions, writes
// resumed, lost, duplicated, phantom, RTO (from inj.Start), RPO and, for Redis, registers. Writes
// that never resumed do not stop it: what the workload holds is still read back and judged. The
// evidence and the judgements go into the spec's record and artifacts; nothing is asserted but
// that the harness could talk to the agent.
func measureData(ctx context.Context, w workloads.Workload, a *agent.Handle, inj faults.Injection) record.DataResult {
	enter(record.PhaseJudging)
	By("waiting for writes to be acknowledged again after recovery")
	in := record.DataInput{UniqueKinds: w.Judging.UniqueKinds, MinAcked: minAcked(w), MaxRPOSeconds: w.Judging.MaxRPO.Seconds(),
		FaultStart: inj.Start, FaultEnd: inj.End, ResumeFrom: time.Now(), AckedAfter: ackedAfterRecovery, Registers: w.Judging.Registers}
	sent := time.Now()
	st, err := a.Status(ctx)
	harnessOK(err, "asking the agent for its status")
	if !st.Now.IsZero() { // the agent's clock may not be the harness's (a remote cluster)
		in.ClockOffsetSeconds = record.ClockOffset(sent, time.Now(), st.Now).Seconds()
	}
	// A timeout is judged from the history below (judge "recovery"), after the read-back.
	if _, err = a.WaitAcknowledged(ctx, st.OK+ackedAfterRecovery, 3*time.Minute); errors.Is(err, agent.ErrNoStatus) {
		harnessOK(err, "waiting for writes to be acknowledged again")
	}

	By("stopping the writer and reading everything back")
	_, err = a.Stop(ctx)
	harnessOK(err, "stopping the agent")
	ops, err := a.History(ctx)
	harnessOK(err, "fetching the agent's history")
	saveHistory(ops)
	ids, err := a.ReadBack(ctx)
	if _, byWorkload := errors.AsType[*agent.WorkloadError](err); byWorkload {
		in.ReadBackError = err.Error()
	} else {
		harnessOK(err, "reading back through the agent")
		writeJSON(filepath.Join(specArtifacts(""), record.ReadBackFile), ids)
	}

	judging := time.Now()
	r := record.DecideData(in, ops, ids)
	AddReportEntry("data judges seconds", time.Since(judging).Seconds())
	recorded(func(s *record.Spec) { s.RecordData(in, r) })
	// For the reader of the Ginkgo report; the verdict comes from the record.
	AddReportEntry("acknowledged writes", r.Verdict.Acknowledged)
	AddReportEntry("lost writes", r.Verdict.Lost)
	AddReportEntry("unknown-outcome writes", r.Verdict.Unknown)
	AddReportEntry("data verdict", r.Verdict)
	AddReportEntry("outage seen by the client", r.Outage)
	if r.Figures.RTOSeconds != nil {
		AddReportEntry("rto seconds", *r.Figures.RTOSeconds)
	}
	if r.Figures.RPOSeconds != nil {
		AddReportEntry("rpo seconds", *r.Figures.RPOSeconds)
	}
	if r.Registers != nil {
		AddReportEntry("linearizability", *r.Registers)
		AddReportEntry("register overlap", *r.Figures.RegisterOverlap)
	}
	AddReportEntry("clients", *r.Figures.Clients)
	AddReportEntry("overlap", *r.Figures.Overlap)
	GinkgoWriter.Printf("%s: acknowledged %d, lost %d, duplicated %d, unknown %d (%d present), RTO %s s (outage seen: %v), RPO %s s; %d clients, overlap %.2f\n",
		inj.Fault, r.Verdict.Acknowledged, r.Verdict.Lost, r.Verdict.Duplicated, r.Verdict.Unknown, r.Verdict.UnknownPresent,
		seconds(r.Figures.RTOSeconds), r.Outage, seconds(r.Figures.RPOSeconds), *r.Figures.Clients, *r.Figures.Overlap)
	return r
}

// seconds formats an optional figure in seconds ("-" when not measured).
func seconds(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}

// harnessOK fails the spec as a harness error when err is not nil: the record's harnessError
// makes the certificate count it as an error (the harness could not decide), not as the storage
// failing. what says what the harness was doing.
func harnessOK(err error, what string) {
	GinkgoHelper()
	if err != nil {
		recorded(func(r *record.Spec) { r.HarnessError = what })
		AddReportEntry("harness error", what)
		Fail(fmt.Sprintf("harness error while %s: %v", what, err))
	}
}

// dataKept judges a run (see measureData) and fails the spec unless every judge passed: enough
// writes before the fault, writes acknowledged again after it, no acknowledged write lost (or,
// with w.Judging.MaxRPO, none outside it and an RPO within it), no duplicate or phantom, and, for
// Redis, linearizable registers (a failure leaves porcupine's visualisation in the artifacts).
func dataKept(ctx context.Context, w workloads.Workload, a *agent.Handle, inj faults.Injection) {
	r := measureData(ctx, w, a, inj)
	if r.Registers != nil && r.Registers.Result == "illegal" {
		visualizeRegisters()
	}
	failUnlessPassed(r.Judgements)
}

// identityKept checks (judge.CheckSameIdentity, or CheckReplacedSameIdentity when the pod must
// have been replaced) that the target pod has kept the name, hostname, PVC and PV it
// had before.
func identityKept(ctx context.Context, target faults.Target, before judge.Identity, claimTemplate string, replaced bool) {
	after := identity(ctx, target.Namespace, target.Pod, claimTemplate)
	AddReportEntry("identity before", before)
	AddReportEntry("identity after", after)
	identitiesKept(record.IdentityEvidence{Replaced: replaced, Before: []judge.Identity{before}, After: []judge.Identity{after}})
}

// identitiesKept records ev and its identity judgement (record.JudgeIdentityEvidence), failing
// the spec unless every pod kept its identity.
func identitiesKept(ev record.IdentityEvidence) {
	GinkgoHelper()
	recorded(func(r *record.Spec) { r.Identity = &ev })
	judged(record.JudgeIdentityEvidence(ev))
}

func saveHistory(ops []history.Op) {
	f, err := os.Create(filepath.Join(specArtifacts(""), record.HistoryFile))
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	Expect(history.WriteJSONLines(f, ops)).To(Succeed())
}

func writeJSON(path string, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
}
