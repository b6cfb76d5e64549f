package main

import (
	"errors"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/platform/registry"
)

// newRegistryCommand is `stateproof registry`: the OCI registry `images push` can push to.
// (registry.go is about the workload and fault registries; this one holds images.)
func newRegistryCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Run a container image registry (for clusters without Docker Hub)"}
	var listen, dir string
	var verbose bool
	serve := &cobra.Command{
		Use:   "serve --dir DIR",
		Short: "Serve an OCI/Docker image registry whose data lives in --dir",
		Long: `Serve the OCI distribution / Docker registry API (go-containerregistry's registry) on
--listen, over plain HTTP, with no authentication: run it where only the cluster and this
machine reach it. Blobs are files in --dir (created when missing) and a registry started again
on the same --dir still has them. Manifests (and so tags) live in memory only: after a restart
the registry has none, so push the images again (only the manifests travel, the blobs are
there). An upload is held in memory until it completes, then written to --dir: a push costs as
much memory as its layers in flight (a layer is at most about 500 MB). The agent image can run
it (FROM scratch, no other dependency).

It logs each stored manifest (one line per pushed image) and each request that failed on its
side; --verbose logs every request. SIGINT or SIGTERM stop it, after the requests in flight
(at most 10 s).`,
		Example: `  stateproof registry serve --listen :5000 --dir /var/lib/stateproof-registry
  stateproof images push --registry localhost:5000/stateproof`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usageError{errors.New("--dir is required: the folder that holds the registry's data")}
			}
			reg, err := registry.New(dir, registry.Options{Log: cmd.ErrOrStderr(), Verbose: verbose})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("registry: listen on %s: %w", listen, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "[registry] serving %s on %s (plain HTTP)\n", dir, ln.Addr())
			if err := reg.Serve(cmd.Context(), ln); err != nil {
				return fmt.Errorf("registry on %s: %w", ln.Addr(), err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "[registry] stopped\n")
			return nil
		},
	}
	f := serve.Flags()
	f.StringVar(&listen, "listen", ":5000", "address to listen on, HOST:PORT (port 0 picks a free one)")
	f.StringVar(&dir, "dir", "", "folder of the registry's blobs (required; manifests live in memory)")
	f.BoolVar(&verbose, "verbose", false, "log every request (method, path, status, bytes, milliseconds)")
	cmd.AddCommand(serve)
	return cmd
}
