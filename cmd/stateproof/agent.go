package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/workloads"
)

// newAgentCommand is `stateproof agent <workload>`: one subcommand per registered workload
// (workloads.All), each running that workload's client (workloads.Agent).
func newAgentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "In-cluster traffic writer (runs inside the agent image)",
		Long: `Write to a workload at a steady rate with client retries off, record every operation
(call and return time, ok / fail / unknown) and serve the history over HTTP on --listen:
  /healthz  liveness        /status   counts so far
  /stop     stop writing    /history  every operation, one JSON object per line
  /readback the ids the workload holds now
  /remove   stop writing, then remove what the agent wrote (its table or keys, --table /
            --key-prefix), nothing else
The password is read from the environment variable WORKLOAD_PASSWORD.`,
	}
	var cfg agent.Config
	cmd.PersistentFlags().Float64Var(&cfg.Rate, "rate", 50, "writes per second")
	cmd.PersistentFlags().StringVar(&cfg.Listen, "listen", fmt.Sprintf(":%d", agent.Port), "HTTP listen address")
	cmd.PersistentFlags().StringVar(&cfg.Client, "client", envOr("HOSTNAME", "agent"), "client name recorded in the history")
	cmd.PersistentFlags().DurationVar(&cfg.SetupTimeout, "setup-timeout", 2*time.Minute, "how long the workload may take to accept the schema set-up")
	for _, w := range workloads.All() {
		cmd.AddCommand(newWorkloadAgentCommand(w, &cfg))
	}
	return cmd
}

// newWorkloadAgentCommand is `stateproof agent <w.Name>`: w's client writing at cfg's rate.
func newWorkloadAgentCommand(w workloads.Workload, cfg *agent.Config) *cobra.Command {
	long := w.Agent.Long
	if long == "" {
		long = w.Agent.Short + ".\nThe password is read from the environment variable WORKLOAD_PASSWORD."
	}
	sub := &cobra.Command{Use: w.Name, Short: w.Agent.Short, Long: long, Args: func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError{fmt.Errorf("agent %s takes no arguments, got %q: its settings are flags (--help lists them)", w.Name, args)}
		}
		return nil
	}}
	newClient := w.Agent.Flags(sub.Flags())
	sub.RunE = func(cmd *cobra.Command, _ []string) error {
		client, err := newClient(*cfg, os.Getenv("WORKLOAD_PASSWORD"))
		if ue := (*workloads.UsageError)(nil); errors.As(err, &ue) {
			return usageError{err}
		}
		if err != nil {
			return err
		}
		if c, ok := client.(io.Closer); ok {
			defer c.Close()
		}
		return agent.Run(cmd.Context(), *cfg, client)
	}
	return sub
}
