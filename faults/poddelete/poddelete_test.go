package poddelete

import (
	"testing"
)

func TestRegisteredAndNamed(t *testing.T) {
	if (&Fault{}).Name() != "pod-delete" || (&Fault{Force: true}).Name() != "pod-delete-force" {
		t.Error("names do not say graceful vs force")
	}
}
