package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/traffic/history"
	"github.com/stateproof/stateproof/fixtures/workloads/mysql"
	"github.com/stateproof/stateproof/fixtures/workloads/redis"
	"github.com/stateproof/stateproof/fixtures/workloads/wordpress"
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
	cmd.AddCommand(mysqlCmd, newRedisAgentCommand(&cfg))
	cmd.AddCommand(newWordPressAgentCommand(&cfg))
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

// newRedisAgentCommand is `stateproof agent redis`: the Redis traffic mix against the primary.
func newRedisAgentCommand(cfg *agent.Config) *cobra.Command {
	var host string
	cmd := &cobra.Command{
		Use:   "redis",
		Short: "SET unique keys, RPUSH onto lists and write/read registers on the Redis primary",
		Long: `Of every 5 operations: 2 SET a unique key k:<client>:<id>, 1 RPUSHes the id onto one of
4 lists, 1 writes one of 3 registers r:<n> and 1 reads one (for the linearizability check).
One connection, no retries; the password is read from WORKLOAD_PASSWORD.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if host == "" {
				return usageError{fmt.Errorf("--host is required (e.g. redis-0.redis.<namespace>.svc.cluster.local)")}
			}
			password := os.Getenv("WORKLOAD_PASSWORD")
			if password == "" {
				return usageError{fmt.Errorf("WORKLOAD_PASSWORD is empty: the Redis password (requirepass) must be set")}
			}
			c := redis.NewClient(host, password)
			defer c.Close()
			return agent.Run(cmd.Context(), *cfg, redisWorkload{c})
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "Redis primary host (the pod's headless-Service DNS name)")
	return cmd
}

// redisWorkload adapts the Redis client to the agent.
type redisWorkload struct{ c *redis.Client }

// Setup waits for the primary (see redis.Client.Setup).
func (w redisWorkload) Setup(ctx context.Context) error { return w.c.Setup(ctx) }

// Write runs operation id of the traffic mix (see redis.Client.Op).
func (w redisWorkload) Write(ctx context.Context, client string, id int64, op *history.Op) error {
	return w.c.Op(ctx, client, id, op)
}

// ReadBack returns every id held in unique keys and lists.
func (w redisWorkload) ReadBack(ctx context.Context) ([]int64, error) { return w.c.ReadBack(ctx) }

// Classify maps a Redis error to its outcome (see redis.Classify).
func (w redisWorkload) Classify(err error) history.Outcome { return redis.Classify(err) }

// newWordPressAgentCommand is `stateproof agent wordpress`: posts and media uploads over XML-RPC.
func newWordPressAgentCommand(cfg *agent.Config) *cobra.Command {
	var siteURL, user string
	wordpressCmd := &cobra.Command{
		Use:   "wordpress",
		Short: "Publish posts and upload media files to WordPress over XML-RPC, one request each",
		Long: `Install WordPress through --url (the site URL it is pinned to) as administrator --user,
then publish posts (wp.newPost) and, for every 10th id, upload a small PNG (wp.uploadFile),
one request per id with no retry. A post's title is "stateproof <client> <id>" and its content
is derived from (client, id); the file is "stateproof-<client>-<id>.png". /readback returns
the ids whose post content, or whose file downloaded from WordPress, is exactly what was sent.
The password is read from the environment variable WORKLOAD_PASSWORD.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if siteURL == "" {
				return usageError{fmt.Errorf("--url is required (e.g. http://wordpress.<namespace>.svc.cluster.local)")}
			}
			password := os.Getenv("WORKLOAD_PASSWORD")
			if password == "" {
				return usageError{fmt.Errorf("WORKLOAD_PASSWORD is empty: it must hold the WordPress administrator's password")}
			}
			c := wordpress.NewClient(siteURL, user, password)
			return agent.Run(cmd.Context(), *cfg, wordpressWorkload{c: c, client: cfg.Client})
		},
	}
	wordpressCmd.Flags().StringVar(&siteURL, "url", "", "WordPress site URL (http://wordpress.<namespace>.svc.cluster.local)")
	wordpressCmd.Flags().StringVar(&user, "user", wordpress.AdminUser, "WordPress administrator user")
	return wordpressCmd
}

// wordpressWorkload adapts the WordPress client to the agent: the client name of its posts
// and files is the agent's.
type wordpressWorkload struct {
	c      *wordpress.Client
	client string
}

// Setup installs WordPress through the site URL (idempotent) and checks the credentials.
func (w wordpressWorkload) Setup(ctx context.Context) error {
	return w.c.Install(ctx, "stateproof", w.c.User, w.c.Password, "stateproof@example.invalid")
}

// Write publishes post id, or uploads media file id (every 10th; see wordpress.Client.Op).
func (w wordpressWorkload) Write(ctx context.Context, client string, id int64, op *history.Op) error {
	return w.c.Op(ctx, client, id, op)
}

// ReadBack returns the ids of this agent's posts and media files whose content is intact.
func (w wordpressWorkload) ReadBack(ctx context.Context) ([]int64, error) {
	return w.c.ReadBack(ctx, w.client)
}

// Classify maps a WordPress error to its outcome (see wordpress.Classify).
func (w wordpressWorkload) Classify(err error) history.Outcome { return wordpress.Classify(err) }
