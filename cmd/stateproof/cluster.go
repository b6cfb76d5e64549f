package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/platform/cluster"
	"github.com/stateproof/stateproof/fixtures/platform/images"
)

func newClusterCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Create or delete the project's kind cluster"}
	var name, config, kubeconfig, imagesFile string
	var wait time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create (or reuse) the kind cluster and load the run's images into it",
		Long: `Create the kind cluster --name from --config with the node image recorded by
'stateproof images build', load the workload and agent images into every node and write a
kubeconfig. A healthy existing cluster of that name is reused; an unhealthy one is reported.

On hosts whose root lacks CAP_SYS_RESOURCE (containers cannot be --privileged there) a docker
shim is put in front of kind; elsewhere nothing changes.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return createKindCluster(cmd.Context(), cmd.OutOrStdout(), kindCluster{
				name: name, config: config, kubeconfig: kubeconfig, imagesFile: imagesFile, wait: wait,
			})
		},
	}
	def := defaultKindCluster(envOr("IMAGES_FILE", defaultImagesFile))
	create.Flags().StringVar(&config, "config", def.config, "kind Cluster config file")
	create.Flags().StringVar(&imagesFile, "images-file", def.imagesFile, "image references written by 'images build'")
	create.Flags().DurationVar(&wait, "wait", def.wait, "how long to wait for every node Ready and CoreDNS available")
	del := &cobra.Command{
		Use:   "delete",
		Short: "Delete the kind cluster (no error if it does not exist)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cacheDir, err := defaultCacheDirOrEnv()
			if err != nil {
				return err
			}
			return cluster.Down(name, kubeconfig, filepath.Join(cacheDir, "shim"))
		},
	}
	for _, c := range []*cobra.Command{create, del} {
		c.Flags().StringVar(&name, "name", def.name, "kind cluster name (env KIND_CLUSTER)")
		c.Flags().StringVar(&kubeconfig, "kubeconfig", def.kubeconfig, "kubeconfig file to write (env KUBECONFIG_OUT)")
	}
	cmd.AddCommand(create, del)
	return cmd
}

// kindCluster holds the settings of `stateproof cluster create`.
type kindCluster struct {
	name, config, kubeconfig, imagesFile string
	wait                                 time.Duration
}

// defaultKindCluster is `stateproof cluster create` with its default flags (and their
// environment variables), reading the image references from imagesFile.
func defaultKindCluster(imagesFile string) kindCluster {
	return kindCluster{
		name: envOr("KIND_CLUSTER", "stateproof"), config: "kind-config.yaml",
		kubeconfig: envOr("KUBECONFIG_OUT", "_build/kubeconfig"), imagesFile: imagesFile, wait: 5 * time.Minute,
	}
}

// createKindCluster creates or reuses the project's kind cluster as `stateproof cluster create`
// does, writing progress to out and the kubeconfig to k.kubeconfig.
func createKindCluster(ctx context.Context, out io.Writer, k kindCluster) error {
	set, err := images.ReadSetFile(k.imagesFile)
	if err != nil {
		return err
	}
	cacheDir, err := defaultCacheDirOrEnv()
	if err != nil {
		return err
	}
	return cluster.Up(ctx, cluster.Options{
		Name: k.name, ConfigPath: k.config, NodeImage: set.Node,
		KubernetesVersion: set.Node[strings.LastIndex(set.Node, ":")+1:],
		Kubeconfig:        k.kubeconfig, AgentImage: set.Agent, Wait: k.wait,
		ShimDir: filepath.Join(cacheDir, "shim"), Out: out,
	})
}

func defaultCacheDirOrEnv() (string, error) {
	if d := envOr("STATEPROOF_CACHE", ""); d != "" {
		return d, nil
	}
	return defaultCacheDir()
}
