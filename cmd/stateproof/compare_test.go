package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/stateproof/stateproof/reports"
	"github.com/stateproof/stateproof/suites/record"
)

// writeKindCertificate writes, under dir/class, the certificate of a run whose node-loss spec
// was not applicable (node-bound) or passed, and returns the report directory.
func writeKindCertificate(t *testing.T, dir, class string, nodeBound bool) string {
	t.Helper()
	loss := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "keeps its data when its node is lost",
		LeafNodeLabels: []string{"check:data-node-loss"}, State: types.SpecStatePassed}
	lossRec := record.New(loss.FullText(), loss.Labels())
	if nodeBound {
		loss.State = types.SpecStateSkipped
		lossRec.NotApplicable = "volume is node-bound: PV nodeAffinity pins it to kind-worker2"
	}
	bind := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "binds its PVC",
		LeafNodeLabels: []string{"check:provisioning"}, State: types.SpecStatePassed}
	recs := reports.Records{loss.FullText(): lossRec, bind.FullText(): record.New(bind.FullText(), bind.Labels())}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cert := reports.FromGinkgo(class, []types.Report{{SuiteSucceeded: true, StartTime: now, EndTime: now.Add(time.Minute),
		SpecReports: []types.SpecReport{bind, loss}}}, recs, reports.Environment{})
	out := filepath.Join(dir, class)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteJSON(filepath.Join(out, certificateJSON), cert); err != nil {
		t.Fatal(err)
	}
	return out
}

// runCompare runs `stateproof compare args...` and returns its output and exit code.
func runCompare(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"compare"}, args...))
	if err := root.ExecuteContext(t.Context()); err != nil {
		return out.String() + err.Error(), exitCode(err)
	}
	return out.String(), 0
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	standard := writeKindCertificate(t, dir, "standard", true)
	shared := writeKindCertificate(t, dir, "shared", false)

	out, code := runCompare(t, standard, filepath.Join(shared, certificateJSON))
	if code != 0 || !strings.Contains(out, "data-node-loss  not-applicable  pass") ||
		!strings.Contains(out, "node-bound: PV nodeAffinity pins it to kind-worker2") || strings.Contains(out, "provisioning") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	if out, code := runCompare(t, "--expect-differ", "data-node-loss", standard, shared); code != 0 || !strings.Contains(out, "as expected") {
		t.Errorf("expected difference: exit %d, output:\n%s", code, out)
	}
	if out, code := runCompare(t, "--expect-differ", "", standard, shared); code != 1 || !strings.Contains(out, "not expected to: data-node-loss") {
		t.Errorf("no difference expected: exit %d, output:\n%s", code, out)
	}
	if out, code := runCompare(t, "--expect-differ", "data-drain", standard, shared); code != 1 || !strings.Contains(out, "expected to differ but do not: data-drain") {
		t.Errorf("wrong difference expected: exit %d, output:\n%s", code, out)
	}
	for name, args := range map[string][]string{
		"one argument":  {standard},
		"missing file":  {standard, filepath.Join(dir, "nowhere")},
		"unknown check": {"--expect-differ", "data-meteor", standard, shared},
	} {
		if out, code := runCompare(t, args...); code != 2 {
			t.Errorf("%s: exit %d, want 2; output:\n%s", name, code, out)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schemaVersion": "v0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runCompare(t, standard, bad); code != 2 || !strings.Contains(out, "bad.json is not valid") {
		t.Errorf("invalid certificate: exit %d, output:\n%s", code, out)
	}
}

// compare says clearly when a certificate is of an older format.
func TestCompareRefusesAnOlderSchema(t *testing.T) {
	dir := t.TempDir()
	a := writeKindCertificate(t, dir, "standard", true)
	old := filepath.Join(dir, "old.json")
	if err := os.WriteFile(old, []byte(`{"schemaVersion": "stateproof.io/certificate/v1", "storageClass": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runCompare(t, a, old)
	if code != 2 || !strings.Contains(out, "has schemaVersion stateproof.io/certificate/v1, an older format") {
		t.Errorf("exit %d, output %q: want bad input naming the older format", code, out)
	}
}
