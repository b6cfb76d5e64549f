// Command stateproof is the CLI of the stateproof harness: it builds the images a run needs,
// brings the kind cluster up and down, certifies a StorageClass and runs the in-cluster traffic
// agent.
//
// Exit codes: 0 success, 1 a command failed, 2 bad usage or input (unknown flag or value; for
// certify also an unknown StorageClass, an unreachable cluster or missing permissions). certify
// adds: 0 CERTIFIED, 1 FAILED, 3 INCOMPLETE (no verdict could be reached), 4 NOT CERTIFIED.
// judge --verify exits 1 when a recomputed verdict differs from the recorded one.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/workloads"
)

// usageError marks errors caused by bad input, which exit with code 2.
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "stateproof:", err)
	os.Exit(exitCode(err))
}

// exitCode maps a command's error to the process exit code: an exitError's code, 2 for a
// usageError, else 1.
func exitCode(err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "stateproof",
		Short: "Chaos and conformance harness for stateful applications on Kubernetes",
		Long: `stateproof deploys reference workloads (` + strings.Join(workloads.Names(), ", ") + `) into a
kind cluster or any cluster, injects faults (` + strings.Join(faults.Names(), ", ") + `) and
checks that acknowledged data survives and StatefulSet identities stay stable. stateproof
certify files the verdict on a StorageClass as a certificate; stateproof workloads and
stateproof faults describe what it runs.

Without a registry every image is built here from Debian packages and Go modules
(stateproof images build); with one, the official images are used. stateproof images push
puts the images a run's pods use into a registry another cluster reaches, and stateproof
registry serve is one.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newImagesCommand(), newClusterCommand(), newCertifyCommand(), newCompareCommand(), newJudgeCommand(), newCleanupCommand(), newAgentCommand(), newNodeAgentCommand(),
		newWorkloadsCommand(), newFaultsCommand(), newRegistryCommand(), newCSIDriverCommand())
	return root
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
