package reports

import (
	"errors"
	"fmt"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
)

// gomegaFailure returns the message Gomega itself writes when err fails HaveOccurred.
func gomegaFailure(err error, desc ...any) string {
	var msg string
	g := gomega.NewGomega(func(m string, _ ...int) { msg = m })
	g.Expect(err).NotTo(gomega.HaveOccurred(), desc...)
	return msg
}

func TestFailureReasonDropsGomegaErrorDump(t *testing.T) {
	wrapped := fmt.Errorf("agent ns/agent: 219 writes acknowledged after 3m0s, want 269: %w", errors.New("EOF"))
	for _, c := range []struct {
		msg, want string
	}{
		{gomegaFailure(wrapped, "the workload did not accept writes after %s", "node-failure-stop"),
			"the workload did not accept writes after node-failure-stop: agent ns/agent: 219 writes acknowledged after 3m0s, want 269: EOF (at steps_test.go:150)"},
		{gomegaFailure(errors.New("no route to host")), "no route to host (at steps_test.go:150)"},
		// Other messages stay as they are (on one line).
		{"Expected\n    <int>: 3\nto equal\n    <int>: 4", "Expected <int>: 3 to equal <int>: 4 (at steps_test.go:150)"},
	} {
		f := types.Failure{Message: c.msg, Location: types.CodeLocation{FileName: "/src/suites/steps_test.go", LineNumber: 150}}
		if got := failureReason(f); got != c.want {
			t.Errorf("failureReason(%q)\n got %q\nwant %q", c.msg, got, c.want)
		}
	}
}
