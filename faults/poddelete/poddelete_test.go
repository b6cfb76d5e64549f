package poddelete

import (
	"slices"
	"testing"

	"github.com/stateproof/stateproof/faults"
)

func TestRegisteredAndNamed(t *testing.T) {
	if !slices.Contains(faults.Names(), "pod-delete") || faults.Description("pod-delete") == "" {
		t.Errorf("pod-delete is not registered with a description: %v", faults.Names())
	}
	if (&Fault{}).Name() != "pod-delete" || (&Fault{Force: true}).Name() != "pod-delete-force" {
		t.Error("names do not say graceful vs force")
	}
}
