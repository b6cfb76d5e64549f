package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/reports"
	"github.com/stateproof/stateproof/suites/record"
)

const judgeLong = `Re-run the judges of a run offline, from the records its specs saved (verdict.json in each
spec's artifacts folder, next to history.jsonl and readback.json), and print each spec's
verdict with every judgement. DIR is a spec's artifacts folder, a run's artifacts folder
(make e2e: _artifacts) or a certify report directory; every verdict.json under it is read.

Every judgement is recomputed from the saved evidence, by the same functions the run used:
preconditions (writes acknowledged before the fault), recovery (writes acknowledged again, or
the StatefulSet Ready again), data (every acknowledged write read back once, nothing invented),
read-back, RPO, registers (porcupine), identity, ordering and PodDisruptionBudget (from the pod
watch), and the StorageClass judgements (from the readings of the PVC, PV or pod the spec waited
on: bound in time, access modes, reclaim, expansion, PVC retention).

With --verify the command is a test: it fails when a recomputed judgement or figure differs
from the recorded one, or a record or its evidence cannot be read. make test-e2e runs it over
its own artifacts.

Exit codes:
  0  judged (and, with --verify, every recomputed verdict is the recorded one)
  1  with --verify: a verdict differs, or a record or its evidence is unreadable
  2  bad usage or input: DIR holds no verdict.json`

func newJudgeCommand() *cobra.Command {
	var verify bool
	cmd := &cobra.Command{
		Use:   "judge [--verify] DIR",
		Short: "Re-run a run's judges offline from its saved records and print the verdicts",
		Long:  judgeLong,
		Example: `  stateproof judge _artifacts
  stateproof judge --verify _artifacts/certify/shared`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("judge takes one directory (a spec's or a run's artifacts), got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return judgeDir(cmd.OutOrStdout(), args[0], verify)
		},
	}
	cmd.Flags().BoolVar(&verify, "verify", false, "fail when a recomputed verdict differs from the recorded one")
	return cmd
}

// judgeDir re-judges every record under dir, printing to out. The error is a usageError when
// dir holds no record; with verify, an error when a verdict differs or cannot be recomputed.
func judgeDir(out io.Writer, dir string, verify bool) error {
	found, readErr := record.ReadAll(dir)
	if len(found) == 0 {
		if readErr != nil {
			return usageError{fmt.Errorf("no readable %s under %s: %w", record.FileName, dir, readErr)}
		}
		return usageError{fmt.Errorf("no %s under %s: give a spec's or a run's artifacts folder (e.g. _artifacts, or a certify report directory)", record.FileName, dir)}
	}
	var problems []error
	if readErr != nil {
		problems = append(problems, readErr)
	}
	recomputed := 0
	for _, f := range found {
		rel, err := filepath.Rel(dir, f.Dir)
		if err != nil {
			rel = f.Dir
		}
		diffs, err := judgeSpec(out, f, rel, &recomputed)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", rel, err))
		}
		for _, d := range diffs {
			problems = append(problems, fmt.Errorf("%s: %s", rel, d))
		}
	}
	fmt.Fprintf(out, "%d spec record(s): %d judgement(s) recomputed; %d problem(s)\n", len(found), recomputed, len(problems))
	for _, p := range problems {
		fmt.Fprintln(out, "  "+p.Error())
	}
	if verify && len(problems) > 0 {
		return fmt.Errorf("judge --verify: %d spec record(s) under %s do not reproduce their verdict: %w", len(problems), dir, errors.Join(problems...))
	}
	return nil
}

// judgeSpec prints one spec's recomputed verdict and judgements, adds how many it recomputed to
// *recomputed and returns how they differ from the recorded ones; the error says why they could
// not be recomputed.
func judgeSpec(out io.Writer, f record.Found, rel string, recomputed *int) ([]string, error) {
	judgements, figures, err := record.Rejudge(f.Spec, f.Dir)
	if err != nil {
		v, why := reports.SpecVerdict(f.Spec)
		fmt.Fprintf(out, "%-14s %s (%s) — recorded, not recomputed\n", v, f.Spec.Name, rel)
		printReason(out, why)
		return nil, err
	}
	again := *f.Spec
	again.Judgements, again.Figures = judgements, figures
	v, why := reports.SpecVerdict(&again)
	fmt.Fprintf(out, "%-14s %s (%s)\n", v, f.Spec.Name, rel)
	printReason(out, why)
	*recomputed += len(judgements)
	for _, j := range judgements {
		line := fmt.Sprintf("    %-13s %-9s recomputed", j.Judge, j.Outcome)
		if j.Message != "" {
			line += ": " + j.Message
		}
		fmt.Fprintln(out, line)
	}
	if vs := f.Spec.InjectionVerdicts(judgements); len(vs) > 1 { // a spec that met several faults
		for i, v := range vs {
			outcome := string(v.Outcome)
			if outcome == "" {
				outcome = "not judged"
			}
			fmt.Fprintf(out, "    injection %d (%s): %s, %d judgement(s)\n", i+1, v.Fault, outcome, len(v.Judgements))
		}
	}
	diffs := record.Differences(f.Spec, judgements, figures)
	if rv, rwhy := reports.SpecVerdict(f.Spec); rv != v || rwhy != why {
		diffs = append(diffs, fmt.Sprintf("verdict differs: recorded %s (%s), recomputed %s (%s)", rv, rwhy, v, why))
	}
	return diffs, nil
}

// printReason prints a verdict's reason under its spec line, if any.
func printReason(out io.Writer, why string) {
	if why != "" {
		fmt.Fprintln(out, "    "+why)
	}
}
