// Command stateproof is the CLI of the stateproof harness: it builds the images a run needs,
// brings the kind cluster up and down, and runs the in-cluster traffic agent.
//
// Exit codes: 0 success, 1 a command failed, 2 bad usage (unknown flag or value).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
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
	var ue usageError
	if errors.As(err, &ue) {
		os.Exit(2)
	}
	os.Exit(1)
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "stateproof",
		Short: "Chaos and conformance harness for stateful applications on Kubernetes",
		Long: `stateproof deploys reference workloads (MySQL, Redis, WordPress + MySQL) into a kind
cluster, injects faults (pod deletion, node failure, node drain) and checks that acknowledged
data survives and StatefulSet identities stay stable.

Without a registry every image is built here from Debian packages and Go modules
(stateproof images build); with one, the official images are used.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newImagesCommand(), newClusterCommand(), newAgentCommand())
	return root
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
