package all

import (
	"slices"
	"testing"

	"github.com/stateproof/stateproof/faults"
)

// TestEveryKindMakesFaultsOfItsName: the fault a path makes names itself as its kind does, so
// that an injection record (faults.Injection.Fault) and the spec's fault label agree.
func TestEveryKindMakesFaultsOfItsName(t *testing.T) {
	for _, want := range []string{"node-drain", "node-failure-kill", "node-failure-pause", "node-failure-stop", "pod-delete", "pod-delete-force", "process-kill"} {
		if !slices.Contains(faults.Names(), want) {
			t.Errorf("registered faults %v lack %s", faults.Names(), want)
		}
	}
	for _, k := range faults.All() {
		for _, p := range k.Paths {
			if got := p.New(faults.Deps{}).Name(); got != k.Name {
				t.Errorf("fault %s path %q makes a fault named %q", k.Name, p.Recovery, got)
			}
		}
	}
}
