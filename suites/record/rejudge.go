package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/stateproof/stateproof/fixtures/traffic/history"
	"github.com/stateproof/stateproof/suites/judge"
)

// JudgeIdentityEvidence judges ev: every pod's identity after recovery against its identity before
// (judge.CheckReplacedSameIdentity when ev.Replaced, else judge.CheckSameIdentity) and, when
// ev.Seen, as the pod is seen (judge.CheckSeenIdentity: hostname and DNS record). A pod missing
// from After is a failure.
func JudgeIdentityEvidence(ev IdentityEvidence) Judgement {
	check := judge.CheckSameIdentity
	if ev.Replaced {
		check = judge.CheckReplacedSameIdentity
	}
	var errs []error
	for i, before := range ev.Before {
		if i >= len(ev.After) {
			errs = append(errs, fmt.Errorf("pod %s: no identity read after recovery", before.PodName))
			continue
		}
		errs = append(errs, check(before, ev.After[i]))
		if ev.Seen {
			errs = append(errs, judge.CheckSeenIdentity(ev.After[i]))
		}
	}
	return Judged(JudgeIdentity, errors.Join(errs...))
}

// Rejudge re-runs, from the spec's record s and the evidence files in its folder dir, every
// judge of the spec (data, read-back, recovery, preconditions, RPO, registers, identity, the
// ordering and budget judges of the pod watch, and the observations of conditions waited for)
// and returns the spec's judgements with each recorded one replaced by its recomputed one, in
// the recorded order, and the recomputed figures (BindSeconds from the first CheckClaimBound
// observation). The error names an evidence file that is missing or unreadable, a judgement
// that no evidence recomputes, or evidence of a judgement the record does not hold.
func Rejudge(s *Spec, dir string) ([]Judgement, Figures, error) {
	recomputed := map[Judge][]Judgement{} // in the order made, for a judge that decided twice
	figures := s.Figures
	if s.Data != nil {
		ops, err := readHistory(filepath.Join(dir, HistoryFile))
		if err != nil {
			return nil, figures, err
		}
		var ids []int64
		if s.Data.ReadBackError == "" {
			if err := readJSON(filepath.Join(dir, ReadBackFile), &ids); err != nil {
				return nil, figures, err
			}
		}
		r := DecideData(*s.Data, ops, ids)
		for _, j := range r.Judgements {
			recomputed[j.Judge] = append(recomputed[j.Judge], j)
		}
		figures = r.Figures
	}
	if s.Identity != nil {
		recomputed[JudgeIdentity] = append(recomputed[JudgeIdentity], JudgeIdentityEvidence(*s.Identity))
	}
	if len(s.Watch) > 0 {
		var events []judge.PodEvent
		if err := readJSON(filepath.Join(dir, PodEventsFile), &events); err != nil {
			return nil, figures, err
		}
		for _, c := range s.Watch {
			recomputed[c.Judge] = append(recomputed[c.Judge], JudgeWatch(c, events))
		}
	}
	for _, o := range s.Observations {
		recomputed[o.Judge] = append(recomputed[o.Judge], JudgeObservation(o))
	}
	figures.BindSeconds = bindSeconds(s.Observations, figures.BindSeconds)
	var out []Judgement
	for _, j := range s.Judgements {
		rs := recomputed[j.Judge]
		if len(rs) == 0 {
			return nil, figures, fmt.Errorf("judgement %s: the record holds no evidence to recompute it", j.Judge)
		}
		j, recomputed[j.Judge] = rs[0], rs[1:]
		out = append(out, j)
	}
	var left []string
	for _, j := range slices.Sorted(maps.Keys(recomputed)) {
		if n := len(recomputed[j]); n > 0 {
			left = append(left, fmt.Sprintf("%d of judge %s", n, j))
		}
	}
	if len(left) > 0 {
		return nil, figures, fmt.Errorf("the record holds evidence for judgements it does not list: %s", strings.Join(left, ", "))
	}
	return out, figures, nil
}

// Differences compares a record's judgements and figures with recomputed ones (Rejudge) and
// returns one line per difference; none when the run's verdict is reproduced.
func Differences(s *Spec, judgements []Judgement, figures Figures) []string {
	var out []string
	if !reflect.DeepEqual(s.Judgements, judgements) {
		got, _ := json.Marshal(judgements)
		want, _ := json.Marshal(s.Judgements)
		out = append(out, fmt.Sprintf("judgements differ: recorded %s, recomputed %s", want, got))
	}
	if !reflect.DeepEqual(s.Figures, figures) {
		got, _ := json.Marshal(figures)
		want, _ := json.Marshal(s.Figures)
		out = append(out, fmt.Sprintf("figures differ: recorded %s, recomputed %s", want, got))
	}
	return out
}

func readHistory(path string) ([]history.Op, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	ops, err := history.ReadJSONLines(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ops, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
