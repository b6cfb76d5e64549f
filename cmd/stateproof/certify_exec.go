package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// runSuites runs the suite binary with args, streaming its output to stdout and stderr, until
// it exits. When ctx is done the binary gets one SIGINT, on which Ginkgo interrupts the
// running spec, runs its clean-up and writes its reports (a line on stderr says so); after
// grace it is killed. The binary
// runs in its own process group so that a Ctrl-C on the terminal reaches it only through us,
// once (a second interrupt would make Ginkgo skip its clean-up).
//
// It returns the exit code (non-zero when specs fail: not an error, the certificate decides;
// -1 when killed by a signal), or an error naming the binary when it could not be started.
func runSuites(ctx context.Context, binary string, args []string, stdout, stderr io.Writer, grace time.Duration) (int, error) {
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Cancel = func() error {
		fmt.Fprintf(stderr, "[certify] interrupted: sent SIGINT to the suites; they get up to %s to clean up and write their report\n", grace)
		return cmd.Process.Signal(os.Interrupt)
	}
	cmd.WaitDelay = grace
	ownProcessGroup(cmd)
	err := cmd.Run()
	if cmd.ProcessState == nil {
		return -1, fmt.Errorf("start suite binary %s: %w", binary, err)
	}
	return cmd.ProcessState.ExitCode(), nil
}

// readGinkgoReport reads the JSON report Ginkgo writes with --json-report: an array with one
// types.Report per suite. It returns the file-system or decoding error, naming the file.
func readGinkgoReport(path string) ([]types.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var reps []types.Report
	if err := json.Unmarshal(data, &reps); err != nil {
		return nil, fmt.Errorf("Ginkgo report %s: %w", path, err)
	}
	return reps, nil
}
