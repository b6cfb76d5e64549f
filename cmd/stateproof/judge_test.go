package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stateproof/stateproof/suites/record"
)

// recordedRun is a spec folder saved by a real run (Redis, appendfsync always, pod-delete, on
// kind): its record, history and read-back.
const recordedRun = "testdata/judge/redis-pod-delete"

// copyRun copies the recorded run into a new folder and returns it.
func copyRun(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "spec")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"verdict.json", "history.jsonl", "readback.json"} {
		data, err := os.ReadFile(filepath.Join(recordedRun, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestJudgeVerifiesARecordedRun(t *testing.T) {
	var out bytes.Buffer
	if err := judgeDir(&out, copyRun(t), true); err != nil {
		t.Fatalf("judge --verify on an untouched recorded run: %v\n%s", err, &out)
	}
	for _, want := range []string{"pass ", "registers     pass      recomputed", "0 problem(s)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
}

// Negative control: a read-back that lost one key after the fact no longer reproduces the
// recorded pass, and --verify says so (exit code 1).
func TestJudgeVerifyCatchesADifference(t *testing.T) {
	dir := copyRun(t)
	var ids []int64
	data, _ := os.ReadFile(filepath.Join(dir, "readback.json"))
	if err := json.Unmarshal(data, &ids); err != nil || len(ids) < 2 {
		t.Fatalf("read-back %s: %v", data, err)
	}
	data, _ = json.Marshal(ids[1:])
	if err := os.WriteFile(filepath.Join(dir, "readback.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := judgeDir(&out, filepath.Dir(dir), true)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out.String(), "verdict differs: recorded pass") {
		t.Errorf("error %v (exit code %d), want a difference:\n%s", err, exitCode(err), &out)
	}
	if err := judgeDir(&out, filepath.Dir(dir), false); err != nil {
		t.Errorf("without --verify a difference is reported, not an error: %v", err)
	}
}

func TestJudgeWithoutRecordsIsBadInput(t *testing.T) {
	err := judgeDir(&bytes.Buffer{}, t.TempDir(), true)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "no verdict.json under") {
		t.Errorf("got %v (exit code %d), want bad input (2)", err, exitCode(err))
	}
}

// A spec that met several faults is printed with a verdict per injection.
func TestJudgePrintsAVerdictPerInjection(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spec")
	s := record.New("MySQL holds its budget through two drains", nil)
	ready := record.Observation{Judge: record.JudgeRecovery, Check: record.CheckPodReady, Pod: &record.PodReading{Name: "mysql-0", Found: true, Ready: true}}
	lost := ready
	lost.Pod = &record.PodReading{Name: "mysql-1", Found: true}
	for _, o := range []record.Observation{ready, lost} {
		inj := record.Injection{FirstJudgement: len(s.Judgements)}
		inj.Fault = "node-drain"
		s.Injections = append(s.Injections, inj)
		s.Observations = append(s.Observations, o)
		s.Add(record.JudgeObservation(o))
	}
	s.Phase, s.State = record.PhaseCleanUp, "failed"
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := judgeDir(&out, dir, true); err != nil {
		t.Fatalf("judge --verify: %v\n%s", err, &out)
	}
	for _, want := range []string{"injection 1 (node-drain): pass, 1 judgement(s)", "injection 2 (node-drain): fail, 1 judgement(s)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
}
