package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/semver"

	"github.com/stateproof/stateproof/fixtures/platform/images"
	"github.com/stateproof/stateproof/fixtures/workloads"
)

// defaultImagesFile is where `images build` records the references a run uses.
const defaultImagesFile = "_build/images.json"

func newImagesCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "images", Short: "Build or pull the images a run needs, push them to a registry"}
	var mode, k8sVersion, file, cacheDir string
	build := &cobra.Command{
		Use:   "build",
		Short: "Build (offline) or pull (upstream) the node, workload and agent images",
		Long: `Build every image a run needs into the local Docker engine and record their references
in --images-file.

Modes (--mode, or IMAGES):
  offline   build the kind node image (Kubernetes from the Go module proxy, Debian bookworm
            rootfs) and the workload images from Debian packages: 20-25 min cold
  upstream  pull kindest/node:<version>; the nodes pull the official workload images
  auto      upstream when the registry answers within 5 s, else offline (default)

The workload images (stateproof workloads lists who uses them):
` + catalogueHelp() + `

The agent image (FROM scratch with this static binary) is built in every mode. Each image
carries the hash of its inputs in the label io.stateproof.inputs; an image whose inputs did
not change is not rebuilt, so a second run takes seconds.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := images.ParseMode(mode)
			if err != nil {
				return usageError{err}
			}
			if !semver.IsValid(k8sVersion) || semver.Canonical(k8sVersion) != k8sVersion {
				return usageError{fmt.Errorf("Kubernetes version %q: want vMAJOR.MINOR.PATCH, e.g. %s", k8sVersion, images.DefaultVersions.Kubernetes)}
			}
			if cacheDir == "" {
				if cacheDir, err = defaultCacheDir(); err != nil {
					return err
				}
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			resolved, why := images.Resolve(cmd.Context(), m, images.RegistryProbe)
			fmt.Fprintf(cmd.OutOrStdout(), "[images] mode %s: %s\n", resolved, why)
			v := images.DefaultVersions
			v.Kubernetes = k8sVersion
			b := &images.Builder{Versions: v, CacheDir: cacheDir, AgentBinary: self, Out: cmd.OutOrStdout(), Catalogue: workloads.Images()}
			start := time.Now()
			set, err := b.Build(cmd.Context(), resolved)
			if err != nil {
				return err
			}
			if err := images.WriteSetFile(file, set); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "[images] all images ready in %s; references in %s\n", time.Since(start).Round(time.Second), file)
			return nil
		},
	}
	build.Flags().StringVar(&mode, "mode", envOr("IMAGES", "auto"), "where images come from: auto, offline or upstream (env IMAGES)")
	build.Flags().StringVar(&k8sVersion, "k8s-version", envOr("K8S_VERSION", images.DefaultVersions.Kubernetes), "Kubernetes version of the kind node image (env K8S_VERSION)")
	build.Flags().StringVar(&file, "images-file", envOr("IMAGES_FILE", defaultImagesFile), "where to record the image references (env IMAGES_FILE)")
	build.Flags().StringVar(&cacheDir, "cache-dir", os.Getenv("STATEPROOF_CACHE"), "Go binaries and build logs kept between runs (env STATEPROOF_CACHE; default ~/.cache/stateproof)")
	cmd.AddCommand(build, newImagesPushCommand())
	return cmd
}

func defaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache dir: set STATEPROOF_CACHE: %w", err)
	}
	return filepath.Join(d, "stateproof"), nil
}

// catalogueHelp lists the registered workload images, one per line: offline reference, what
// it is, upstream reference.
func catalogueHelp() string {
	var b strings.Builder
	for _, img := range workloads.Images() {
		fmt.Fprintf(&b, "  %-26s %s (offline); %s upstream\n", img.Offline, img.About, img.Upstream)
	}
	return strings.TrimRight(b.String(), "\n")
}
