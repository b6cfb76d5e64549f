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

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/agent"
	"github.com/stateproof/stateproof/fixtures/history"
	"github.com/stateproof/stateproof/suites/judge"
)

const (
	// minAckedBeforeFault is the precondition of a workload that sets no workload.minAcked:
	// fewer acknowledged writes before the fault and the run proves nothing.
	minAckedBeforeFault = 100
	// ackedAfterRecovery writes must be acknowledged after the fault before the run stops, so
	// that recovery is part of the history.
	ackedAfterRecovery = 50
)

// startAgent starts the in-cluster writer and registers its stop.
func startAgent(ctx context.Context, spec agent.PodSpec) *agent.Handle {
	spec.Image = env.images.Agent
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
			AddReportEntry("verdict", "not applicable: "+na.Reason)
			Skip("not applicable: " + na.Reason)
		}
		Expect(err).NotTo(HaveOccurred())
	}
}

// dataSurvivesFault is the shared data-survival scenario: writes flow, the fault hits target,
// the fault is recovered (if it has a recovery), and every acknowledged write of w must be read
// back, with the pod's identity (name, hostname, PVC, PV) unchanged when it is a StatefulSet pod
// (w.claimTemplate set). Measurements go into the
// report. The caller has called requireApplicable before starting the agent.
func dataSurvivesFault(ctx context.Context, w workload, a *agent.Handle, f faults.Fault, target faults.Target) {
	writesFlowing(ctx, a, w.acked())
	if w.claimTemplate == "" { // a Deployment's pod: no identity to keep
		dataKept(ctx, w, a, injectAndRecover(ctx, f, target))
		return
	}
	before := identity(ctx, target.Namespace, target.Pod, w.claimTemplate)
	inj := injectAndRecover(ctx, f, target)
	dataKept(ctx, w, a, inj)
	// pod-delete and out-of-service prove the replacement (new UID) in Inject; after a node
	// returns the pod may be the same one.
	identityKept(ctx, target, before, w.claimTemplate, judge.CheckSameIdentity)
}

// writesFlowing waits until the agent has n acknowledged writes (the precondition) and reports
// its CPU share over n more.
func writesFlowing(ctx context.Context, a *agent.Handle, n int) {
	By(fmt.Sprintf("waiting for %d acknowledged writes before the fault", n))
	started, err := a.WaitAcknowledged(ctx, n, 2*time.Minute)
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
	By("injecting " + f.Name() + " into " + target.String())
	if r, ok := f.(faults.Recoverer); ok {
		DeferCleanup(r.Recover, NodeTimeout(10*time.Minute))
	}
	inj, err := f.Inject(ctx, target)
	writeJSON(filepath.Join(specArtifacts(""), f.Name()+"-injection.json"), inj)
	Expect(err).NotTo(HaveOccurred(), "the fault could not be injected: this is an error, not a pass")
	AddReportEntry("injection", inj)
	return inj
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
	By("recovering from " + name)
	t0 := time.Now()
	Expect(r.Recover(ctx)).To(Succeed())
	AddReportEntry(name+" recovery seconds", time.Since(t0).Seconds())
}

// dataResult is what a run's history and read-back show, judged.
type dataResult struct {
	// ops is the whole history, with the writes a durability setting may lose (workload.maxRPO)
	// counted as unknown-outcome.
	ops     []history.Op
	verdict judge.DataVerdict
	// preconditions is nil when enough writes were acknowledged before the fault.
	preconditions error
	// rtoErr is nil when writes were acknowledged again after the fault.
	rtoErr error
	rpo    time.Duration
}

// measureData waits for writes to be acknowledged again after recovery, stops the writer, reads
// everything back and judges w's unique writes against the read-back: lost, duplicated, phantom,
// RTO (from inj.Start) and RPO. Everything measured goes into the report; nothing is asserted
// but that the writer answered and writes were acknowledged again.
func measureData(ctx context.Context, w workload, a *agent.Handle, inj faults.Injection) dataResult {
	// The fault happened and was recovered: from here on a failure is the workload's or the
	// storage's (a volume that lost its data may keep the workload from ever answering again).
	AddReportEntry("judging", inj.Fault)
	By("waiting for writes to be acknowledged again after recovery")
	st, err := a.Status(ctx)
	harnessOK(err, "asking the agent for its status")
	_, err = a.WaitAcknowledged(ctx, st.OK+ackedAfterRecovery, 3*time.Minute)
	if errors.Is(err, agent.ErrNoStatus) {
		harnessOK(err, "waiting for writes to be acknowledged again")
	}
	Expect(err).NotTo(HaveOccurred(), "the workload did not accept writes after %s", inj.Fault)

	By("stopping the writer and reading everything back")
	_, err = a.Stop(ctx)
	harnessOK(err, "stopping the agent")
	ops, err := a.History(ctx)
	harnessOK(err, "fetching the agent's history")
	saveHistory(ops)
	ids, err := a.ReadBack(ctx)
	if _, byWorkload := errors.AsType[*agent.WorkloadError](err); !byWorkload {
		harnessOK(err, "reading back through the agent")
	}
	Expect(err).NotTo(HaveOccurred(), "the workload could not read its data back")

	unique := judge.OnlyKinds(ops, w.uniqueKinds...)
	r := dataResult{ops: ops, preconditions: judge.Preconditions(unique, inj.Start, w.acked())}
	rpo, rpoErr := judge.RPO(unique, ids, inj.Start)
	if w.maxRPO > 0 {
		// Writes acknowledged within maxRPO before the fault, or while it took hold (up to
		// inj.End), may be lost by design: their outcome counts as unknown, and the RPO is
		// checked instead.
		unique = judge.Tolerate(unique, inj.Start.Add(-w.maxRPO), inj.End)
		r.ops = judge.Tolerate(ops, inj.Start.Add(-w.maxRPO), inj.End)
	}
	r.verdict = judge.CheckWrites(unique, ids)
	r.rpo = rpo
	rto, outage, rtoErr := judge.RTO(ops, inj.Start)
	r.rtoErr = rtoErr
	AddReportEntry("acknowledged writes", r.verdict.Acknowledged)
	AddReportEntry("lost writes", r.verdict.Lost)
	AddReportEntry("unknown-outcome writes", r.verdict.Unknown)
	AddReportEntry("data verdict", r.verdict)
	AddReportEntry("outage seen by the client", outage)
	if rtoErr == nil { // 0 when no write failed; not reported when writes never recovered
		AddReportEntry("rto seconds", rto.Seconds())
	}
	if rpoErr == nil {
		AddReportEntry("rpo seconds", rpo.Seconds())
	}
	GinkgoWriter.Printf("%s: acknowledged %d, lost %d, duplicated %d, unknown %d (%d present), RTO %s (outage seen: %v), RPO %s\n",
		inj.Fault, r.verdict.Acknowledged, r.verdict.Lost, r.verdict.Duplicated, r.verdict.Unknown, r.verdict.UnknownPresent, rto, outage, rpo)
	return r
}

// harnessOK fails the spec as a harness error when err is not nil: the report entry "harness
// error" makes the certificate count it as an error (the harness could not decide), not as the
// storage failing, even after the "judging" entry. what says what the harness was doing.
func harnessOK(err error, what string) {
	GinkgoHelper()
	if err != nil {
		AddReportEntry("harness error", what)
		Fail(fmt.Sprintf("harness error while %s: %v", what, err))
	}
}

// dataKept judges a run (see measureData): enough writes before the fault, writes acknowledged
// again after it, no acknowledged write lost (or, with w.maxRPO, none outside it and an RPO
// within it), no duplicate or phantom, and w's own verdicts.
func dataKept(ctx context.Context, w workload, a *agent.Handle, inj faults.Injection) {
	r := measureData(ctx, w, a, inj)
	Expect(r.preconditions).To(Succeed())
	Expect(r.rtoErr).NotTo(HaveOccurred())
	Expect(r.verdict.Err()).NotTo(HaveOccurred())
	if w.maxRPO > 0 {
		Expect(r.rpo).To(BeNumerically("<=", w.maxRPO), "measured RPO %s exceeds %s", r.rpo, w.maxRPO)
	}
	if w.judge != nil {
		w.judge(r.ops)
	}
}

// identityKept checks with check (judge.CheckSameIdentity, or CheckReplacedSameIdentity when the
// pod must have been replaced) that the target pod has kept the name, hostname, PVC and PV it
// had before.
func identityKept(ctx context.Context, target faults.Target, before judge.Identity, claimTemplate string, check func(before, after judge.Identity) error) {
	after := identity(ctx, target.Namespace, target.Pod, claimTemplate)
	AddReportEntry("identity before", before)
	AddReportEntry("identity after", after)
	Expect(check(before, after)).To(Succeed())
}

func saveHistory(ops []history.Op) {
	f, err := os.Create(filepath.Join(specArtifacts(""), "history.jsonl"))
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	Expect(history.WriteJSONLines(f, ops)).To(Succeed())
}

func writeJSON(path string, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
}
