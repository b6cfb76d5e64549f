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
	var clients int
	cmd.PersistentFlags().Float64Var(&cfg.Rate, "rate", 50, "writes per second, all clients together")
	cmd.PersistentFlags().IntVar(&clients, "clients", DefaultClients, "concurrent clients, each with its own connection, recorded as <client>/<k> in the history (1 to 64)")
	cmd.PersistentFlags().StringVar(&cfg.Listen, "listen", fmt.Sprintf(":%d", agent.Port), "HTTP listen address")
	cmd.PersistentFlags().StringVar(&cfg.Client, "client", envOr("HOSTNAME", "agent"), "client name: the data's namespace (keys, posts) and, as <client>/<k> with several --clients, each client's name in the history")
	cmd.PersistentFlags().DurationVar(&cfg.SetupTimeout, "setup-timeout", 2*time.Minute, "how long the workload may take to accept the schema set-up")
	for _, w := range workloads.All() {
		cmd.AddCommand(newWorkloadAgentCommand(w, &cfg, &clients))
	}
	return cmd
}

// DefaultClients is the agent's default number of concurrent clients (--clients).
const DefaultClients = 4

// newWorkloadAgentCommand is `stateproof agent <w.Name>`: *clients concurrent clients of w
// writing at cfg's rate in all.
func newWorkloadAgentCommand(w workloads.Workload, cfg *agent.Config, clients *int) *cobra.Command {
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
		if *clients < 1 || *clients > 64 {
			return usageError{fmt.Errorf("--clients %d: want 1 to 64 concurrent clients", *clients)}
		}
		var all []agent.Workload
		for range *clients {
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
			all = append(all, client)
		}
		return agent.Run(cmd.Context(), *cfg, all...)
	}
	return sub
}
