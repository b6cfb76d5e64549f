package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// runSuites runs the suites (the suite binary, or the ginkgo CLI running it in parallel
// processes) with args, streaming their output to stdout and stderr, until they exit. When ctx
// is done their process group gets one SIGINT, on which Ginkgo interrupts the running specs,
// runs their clean-up and writes its reports (a line on stderr says so); after grace they are
// killed. They run in their own process group so that a Ctrl-C on the terminal reaches them
// only through us, once (a second interrupt would make Ginkgo skip its clean-up).
//
// It returns the exit code (non-zero when specs fail: not an error, the certificate decides;
// -1 when killed by a signal), or an error naming the binary when it could not be started.
//
// started, when not nil, is called with the process once it runs (to kill its group on a second
// interrupt).
func runSuites(ctx context.Context, binary string, args []string, stdout, stderr io.Writer, grace time.Duration, started func(*os.Process)) (int, error) {
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Cancel = func() error {
		fmt.Fprintf(stderr, "[certify] interrupted: sent SIGINT to the suites; they get up to %s to clean up and write their report\n", grace)
		return interruptGroup(cmd)
	}
	cmd.WaitDelay = grace
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("start suite binary %s: %w", binary, err)
	}
	if started != nil {
		started(cmd.Process)
	}
	err := cmd.Wait()
	if cmd.ProcessState == nil {
		return -1, fmt.Errorf("suite binary %s: %w", binary, err)
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

// followProgress prints, as "[progress] " lines on out, what the suites append to their
// progress log at path (parallel Ginkgo processes show a spec's output only when it ends; the
// log says what runs now). It reads the file every half second from its current end (the file
// may not exist yet) until the returned stop is called, which prints what is left and returns.
func followProgress(path string, out io.Writer) (stop func()) {
	var offset int64
	if st, err := os.Stat(path); err == nil {
		offset = st.Size() // an earlier run's lines are not this run's progress
	}
	var partial []byte
	read := func() {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return
		}
		data, _ := io.ReadAll(f)
		offset += int64(len(data))
		partial = append(partial, data...)
		for {
			line, rest, found := bytes.Cut(partial, []byte("\n"))
			if !found {
				break
			}
			fmt.Fprintf(out, "[progress] %s\n", line)
			partial = rest
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-tick.C:
				read()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
