package record

import (
	"strings"
	"testing"
)

// Each check passes on the reading that meets it and fails, naming what it read, on one that
// does not (the negative control of every observation judge).
func TestJudgeObservation(t *testing.T) {
	bound := ClaimReading{Name: "c", Found: true, Phase: "Bound", AccessMode: "ReadWriteOnce", Capacity: "2Gi", VolumeUID: "pv-1", PreviousVolumeUID: "pv-1"}
	pending := ClaimReading{Name: "c", Found: true, Phase: "Pending", AccessMode: "ReadWriteOnce"}
	gone := ClaimReading{Name: "c"}
	cases := []struct {
		name string
		o    Observation
		want Outcome
		says string
	}{
		{"bound", Observation{Check: CheckClaimBound, Seconds: 2, LimitSeconds: 120, Claims: []ClaimReading{bound}}, Pass, ""},
		{"pending", Observation{Check: CheckClaimBound, Seconds: 120, LimitSeconds: 120, Claims: []ClaimReading{pending}, Diagnosis: "; ProvisioningFailed: no"}, Fail, "not Bound after 120s (phase Pending); ProvisioningFailed: no"},
		{"bound too late", Observation{Check: CheckClaimBound, Seconds: 130, LimitSeconds: 120, Claims: []ClaimReading{bound}}, Fail, "the limit is 120s"},
		{"no reading", Observation{Check: CheckClaimBound}, Undecided, "no reading"},
		{"pod ready", Observation{Check: CheckPodReady, Pod: &PodReading{Name: "p", Found: true, Ready: true}}, Pass, ""},
		{"pod deleting", Observation{Check: CheckPodReady, Pod: &PodReading{Name: "p", Found: true, Ready: true, Deleting: true}}, Fail, "being deleted"},
		{"pod not ready", Observation{Check: CheckPodReady, Pod: &PodReading{Name: "p", Found: true}}, Fail, "not Ready"},
		{"RWO offered", Observation{Check: CheckAccessModes, Claims: []ClaimReading{bound, {Name: "m", AccessMode: "ReadWriteMany", Found: true, Phase: "Pending"}}}, Pass, ""},
		{"RWO refused", Observation{Check: CheckAccessModes, Claims: []ClaimReading{{Name: "c", AccessMode: "ReadWriteOnce", Found: true, Phase: "Pending", Refused: "only RWX"}}}, Fail, "ReadWriteOnce is not offered: only RWX"},
		{"RWO not first", Observation{Check: CheckAccessModes, Claims: []ClaimReading{{Name: "m", AccessMode: "ReadWriteMany"}}}, Undecided, "ReadWriteOnce"},
		{"deleted", Observation{Check: CheckReclaimed, Policy: "Delete", Volume: &VolumeReading{Name: "pv"}}, Pass, ""},
		{"not deleted", Observation{Check: CheckReclaimed, Policy: "Delete", Volume: &VolumeReading{Name: "pv", Found: true, Phase: "Released"}}, Fail, "phase Released"},
		{"retained", Observation{Check: CheckReclaimed, Policy: "Retain", Volume: &VolumeReading{Name: "pv", Found: true, Phase: "Released"}}, Pass, ""},
		{"retain deleted", Observation{Check: CheckReclaimed, Policy: "Retain", Volume: &VolumeReading{Name: "pv"}}, Fail, "deleted"},
		{"recycle", Observation{Check: CheckReclaimed, Policy: "Recycle", Volume: &VolumeReading{Name: "pv"}}, Undecided, "Recycle"},
		{"expanded", Observation{Check: CheckCapacity, Want: "2Gi", Claims: []ClaimReading{bound}}, Pass, ""},
		{"not expanded", Observation{Check: CheckCapacity, Want: "3Gi", Claims: []ClaimReading{bound}}, Fail, "capacity 2Gi"},
		{"bad size", Observation{Check: CheckCapacity, Want: "lots", Claims: []ClaimReading{bound}}, Undecided, `"lots"`},
		{"scale-down retained", Observation{Check: CheckRetention, Policy: "Retain", Step: StepScaleDown, Claims: []ClaimReading{bound}}, Pass, ""},
		{"scale-down owned", Observation{Check: CheckRetention, Policy: "Retain", Step: StepScaleDown, Claims: []ClaimReading{{Name: "c", Found: true, Owners: 1}}}, Fail, "garbage-collected"},
		{"scale-down deleted", Observation{Check: CheckRetention, Policy: "Delete", Step: StepScaleDown, Claims: []ClaimReading{gone}}, Pass, ""},
		{"scale-down kept", Observation{Check: CheckRetention, Policy: "Delete", Step: StepScaleDown, Claims: []ClaimReading{bound}}, Fail, "not deleted"},
		{"scale-up same volume", Observation{Check: CheckRetention, Policy: "Retain", Step: StepScaleUp, Claims: []ClaimReading{bound}}, Pass, ""},
		{"scale-up another volume", Observation{Check: CheckRetention, Policy: "Retain", Step: StepScaleUp, Claims: []ClaimReading{{Name: "c", Found: true, VolumeUID: "pv-2", PreviousVolumeUID: "pv-1"}}}, Fail, "another volume"},
		{"scale-up deleted volume back", Observation{Check: CheckRetention, Policy: "Delete", Step: StepScaleUp, Claims: []ClaimReading{bound}}, Fail, "deleted volume back"},
		{"delete retained", Observation{Check: CheckRetention, Policy: "Retain", Step: StepDelete, Claims: []ClaimReading{bound}}, Pass, ""},
		{"delete lost", Observation{Check: CheckRetention, Policy: "Retain", Step: StepDelete, Claims: []ClaimReading{gone}}, Fail, "not retained"},
		{"unknown step", Observation{Check: CheckRetention, Policy: "Retain", Step: "sideways", Claims: []ClaimReading{bound}}, Undecided, "sideways"},
		{"statefulset ready", Observation{Check: CheckStatefulSetReady, StatefulSet: &StatefulSetReading{Name: "web", Found: true, Generation: 2, ObservedGeneration: 2, Want: 3, Replicas: 3, ReadyReplicas: 3}}, Pass, ""},
		{"statefulset stale", Observation{Check: CheckStatefulSetReady, StatefulSet: &StatefulSetReading{Name: "web", Found: true, Generation: 3, ObservedGeneration: 2, Want: 3, Replicas: 3, ReadyReplicas: 3}}, Fail, "generation 3"},
		{"statefulset short", Observation{Check: CheckStatefulSetReady, Seconds: 300, StatefulSet: &StatefulSetReading{Name: "web", Found: true, Want: 3, Replicas: 3, ReadyReplicas: 2}}, Fail, "2/3 replicas Ready (3 exist) after 300s"},
		{"unknown check", Observation{Check: "vibes"}, Undecided, "vibes"},
	}
	for _, c := range cases {
		c.o.Judge = JudgeStorage
		j := JudgeObservation(c.o)
		if j.Outcome != c.want || !strings.Contains(j.Message, c.says) || j.Judge != JudgeStorage {
			t.Errorf("%s: %+v, want %s saying %q", c.name, j, c.want, c.says)
		}
		if c.o.Met() != (c.want == Pass) {
			t.Errorf("%s: Met() = %v, want %v", c.name, c.o.Met(), c.want == Pass)
		}
	}
}
