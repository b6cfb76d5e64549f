package main

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/cluster"
	"github.com/stateproof/stateproof/fixtures/images"
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
			set, err := images.ReadSetFile(imagesFile)
			if err != nil {
				return err
			}
			cacheDir, err := defaultCacheDirOrEnv()
			if err != nil {
				return err
			}
			return cluster.Up(cmd.Context(), cluster.Options{
				Name: name, ConfigPath: config, NodeImage: set.Node,
				KubernetesVersion: set.Node[strings.LastIndex(set.Node, ":")+1:],
				Kubeconfig:        kubeconfig, AgentImage: set.Agent, Wait: wait,
				ShimDir: filepath.Join(cacheDir, "shim"), Out: cmd.OutOrStdout(),
			})
		},
	}
	create.Flags().StringVar(&config, "config", "kind-config.yaml", "kind Cluster config file")
	create.Flags().StringVar(&imagesFile, "images-file", envOr("IMAGES_FILE", defaultImagesFile), "image references written by 'images build'")
	create.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for every node Ready and CoreDNS available")
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
		c.Flags().StringVar(&name, "name", envOr("KIND_CLUSTER", "stateproof"), "kind cluster name (env KIND_CLUSTER)")
		c.Flags().StringVar(&kubeconfig, "kubeconfig", envOr("KUBECONFIG_OUT", "_build/kubeconfig"), "kubeconfig file to write (env KUBECONFIG_OUT)")
	}
	cmd.AddCommand(create, del)
	return cmd
}

func defaultCacheDirOrEnv() (string, error) {
	if d := envOr("STATEPROOF_CACHE", ""); d != "" {
		return d, nil
	}
	return defaultCacheDir()
}
