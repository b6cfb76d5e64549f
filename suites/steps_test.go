//go:build e2e

package suites

import (
	"context"
	"encoding/json"
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
	// minAckedBeforeFault is the precondition: fewer acknowledged writes before the fault and the
	// run proves nothing.
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

// dataSurvivesFault is the shared data-survival scenario: writes flow, the fault hits target,
// the workload recovers, and every acknowledged write must be read back, with the pod's
// identity (name, hostname, PVC, PV) unchanged. Measurements go into the report.
func dataSurvivesFault(ctx context.Context, a *agent.Handle, f faults.Fault, target faults.Target, claimTemplate string) {
	Expect(f.Available(ctx)).To(Succeed(), "fault %s is not available on this cluster", f.Name())

	By("waiting for acknowledged writes before the fault")
	started, err := a.WaitAcknowledged(ctx, minAckedBeforeFault, 2*time.Minute)
	Expect(err).NotTo(HaveOccurred())
	// 100 more writes measure the agent's CPU in steady writing (its start-up excluded).
	steady, err := a.WaitAcknowledged(ctx, started.OK+100, time.Minute)
	Expect(err).NotTo(HaveOccurred())
	if up := steady.UpSeconds - started.UpSeconds; up > 0 {
		AddReportEntry("agent cpu share of a core", (steady.CPUSeconds-started.CPUSeconds)/up)
	}
	before := identity(ctx, target.Namespace, target.Pod, claimTemplate)

	By("injecting " + f.Name() + " into " + target.String())
	if r, ok := f.(faults.Recoverer); ok {
		// Undone even when the injection fails half-way or the spec fails later.
		DeferCleanup(r.Recover, NodeTimeout(5*time.Minute))
	}
	inj, err := f.Inject(ctx, target)
	Expect(err).NotTo(HaveOccurred(), "the fault could not be injected: this is an error, not a pass")
	writeJSON(filepath.Join(specArtifacts(""), "injection.json"), inj)
	AddReportEntry("injection", inj)

	By("waiting for writes to be acknowledged again after recovery")
	st, err := a.Status(ctx)
	Expect(err).NotTo(HaveOccurred())
	_, err = a.WaitAcknowledged(ctx, st.OK+ackedAfterRecovery, 3*time.Minute)
	Expect(err).NotTo(HaveOccurred(), "the workload did not accept writes after %s", f.Name())

	By("stopping the writer and reading everything back")
	_, err = a.Stop(ctx)
	Expect(err).NotTo(HaveOccurred())
	ops, err := a.History(ctx)
	Expect(err).NotTo(HaveOccurred())
	saveHistory(ops)
	ids, err := a.ReadBack(ctx)
	Expect(err).NotTo(HaveOccurred())

	verdict := judge.CheckWrites(ops, ids)
	rto, outage, rtoErr := judge.RTO(ops, inj.Start)
	AddReportEntry("acknowledged writes", verdict.Acknowledged)
	AddReportEntry("lost writes", verdict.Lost)
	AddReportEntry("unknown-outcome writes", verdict.Unknown)
	AddReportEntry("data verdict", verdict)
	AddReportEntry("outage seen by the client", outage)
	if rtoErr == nil { // 0 when no write failed; not reported when writes never recovered
		AddReportEntry("rto seconds", rto.Seconds())
	}
	GinkgoWriter.Printf("acknowledged %d, lost %d, duplicated %d, unknown %d (%d present), RTO %s (outage seen: %v)\n",
		verdict.Acknowledged, verdict.Lost, verdict.Duplicated, verdict.Unknown, verdict.UnknownPresent, rto, outage)

	Expect(judge.Preconditions(ops, inj.Start, minAckedBeforeFault)).To(Succeed())
	Expect(rtoErr).NotTo(HaveOccurred())
	Expect(verdict.Err()).NotTo(HaveOccurred())
	after := identity(ctx, target.Namespace, target.Pod, claimTemplate)
	Expect(judge.CheckReplacedSameIdentity(before, after)).To(Succeed())
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
