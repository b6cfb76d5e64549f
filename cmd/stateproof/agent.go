package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/agent"
	"github.com/stateproof/stateproof/fixtures/history"
	"github.com/stateproof/stateproof/fixtures/mysql"
)

func newAgentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "In-cluster traffic writer (runs inside the agent image)",
		Long: `Write to a workload at a steady rate with client retries off, record every operation
(call and return time, ok / fail / unknown) and serve the history over HTTP on --listen:
  /healthz  liveness        /status   counts so far
  /stop     stop writing    /history  every operation, one JSON object per line
  /readback the ids the workload holds now
The password is read from the environment variable WORKLOAD_PASSWORD.`,
	}
	var cfg agent.Config
	var host, user string
	mysqlCmd := &cobra.Command{
		Use:   "mysql",
		Short: "Insert rows with unique ids into MySQL, one autocommit transaction each",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if host == "" {
				return usageError{fmt.Errorf("--host is required (e.g. mysql-0.mysql.<namespace>.svc.cluster.local)")}
			}
			c, err := mysql.NewClient(host, user, os.Getenv("WORKLOAD_PASSWORD"))
			if err != nil {
				return err
			}
			defer c.Close()
			return agent.Run(cmd.Context(), cfg, mysqlWorkload{c})
		},
	}
	mysqlCmd.Flags().StringVar(&host, "host", "", "MySQL host (the pod's headless-Service DNS name)")
	mysqlCmd.Flags().StringVar(&user, "user", mysql.User, "MySQL user")
	cmd.PersistentFlags().Float64Var(&cfg.Rate, "rate", 50, "writes per second")
	cmd.PersistentFlags().StringVar(&cfg.Listen, "listen", fmt.Sprintf(":%d", agent.Port), "HTTP listen address")
	cmd.PersistentFlags().StringVar(&cfg.Client, "client", envOr("HOSTNAME", "agent"), "client name recorded in the history")
	cmd.PersistentFlags().DurationVar(&cfg.SetupTimeout, "setup-timeout", 2*time.Minute, "how long the workload may take to accept the schema set-up")
	cmd.AddCommand(mysqlCmd)
	return cmd
}

// mysqlWorkload adapts the MySQL client to the agent.
type mysqlWorkload struct{ c *mysql.Client }

func (w mysqlWorkload) Setup(ctx context.Context) error { return w.c.Setup(ctx) }
func (w mysqlWorkload) Write(ctx context.Context, client string, id int64, _ *history.Op) error {
	return w.c.Write(ctx, client, id)
}
func (w mysqlWorkload) ReadBack(ctx context.Context) ([]int64, error) { return w.c.ReadBack(ctx) }
func (w mysqlWorkload) Classify(err error) history.Outcome            { return mysql.Classify(err) }
