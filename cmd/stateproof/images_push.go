package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/platform/images"
	"github.com/stateproof/stateproof/fixtures/platform/images/push"
)

// newImageSource returns where `images push` reads images: the local Docker engine (tests
// replace it).
var newImageSource = func() (push.Source, error) { return push.NewDaemon() }

// newImagesPushCommand is `stateproof images push`.
func newImagesPushCommand() *cobra.Command {
	var registry, file, output string
	var insecure, dryRun bool
	cmd := &cobra.Command{
		Use:   "push --registry HOST[:PORT][/PREFIX]",
		Short: "Push the images the suites' pods run to a registry and record their references there",
		Long: `Push the images the suites' pods run, as recorded in --images-file by 'images build', from
the local Docker engine to --registry, then rewrite the file (or --output) to name them there,
pinned by digest (HOST:PORT/PREFIX/stateproof/agent:<tag>@sha256:<digest>), so that the nodes
of any cluster that reaches the registry pull exactly what was pushed. certify --kubeconfig
then runs on that cluster with that file.

What is pushed:
  offline   the agent image and every workload image (built here, found nowhere else)
  upstream  the agent image only: the workload images are public official images that the
            nodes pull from their registry, and keep their references
The kind node image is never pushed: kind runs it as a container, no pod pulls it.

One line per image: name, size in MB (compressed, as pushed) and seconds. Credentials come
from Docker's config file (docker login). The registry is spoken to over HTTPS; --insecure
allows plain HTTP too, as is done without it for localhost:PORT, 127.0.0.1, ::1 and private
(RFC 1918) addresses. The file records the registry ("registry"); pushing it again (to this or
another registry) reads the same local images. 'images build' writes local references again.
'stateproof registry serve' is a registry to push to.`,
		Example: `  stateproof images push --registry localhost:5000/stateproof --dry-run
  stateproof images push --registry registry.example.com/team/stateproof`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if registry == "" {
				return usageError{errors.New("--registry is required: HOST[:PORT][/PREFIX], e.g. localhost:5000/stateproof")}
			}
			target, err := push.ParseTarget(registry, insecure)
			if err != nil {
				return usageError{fmt.Errorf("--registry: %w", err)}
			}
			set, err := images.ReadSetFile(file)
			if err != nil {
				return usageError{err}
			}
			if output == "" {
				output = file
			}
			items, skipped, err := push.Plan(set, target)
			if err != nil {
				return usageError{fmt.Errorf("%s: %w", file, err)}
			}
			for _, s := range skipped {
				fmt.Fprintf(out, "[images] not pushed: %s (%s)\n", s.Ref, s.Why)
			}
			if dryRun {
				for _, it := range items {
					fmt.Fprintf(out, "[images] would push %s as %s@sha256:<digest>\n", it.Local, it.Remote)
				}
				fmt.Fprintf(out, "[images] dry run: nothing pushed, %s not written\n", output)
				return nil
			}
			source, err := newImageSource()
			if err != nil {
				return err
			}
			start := time.Now()
			pusher := &push.Pusher{Source: source, Out: out}
			pushed, err := pusher.Push(cmd.Context(), set, target)
			if err != nil {
				return err
			}
			if err := images.RewriteSetFile(file, output, pushed); err != nil {
				return err
			}
			fmt.Fprintf(out, "[images] %d images pushed to %s in %.1f s; references in %s\n", len(items), target, time.Since(start).Seconds(), output)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&registry, "registry", "", "where to push: HOST[:PORT][/PREFIX], e.g. localhost:5000/stateproof (required)")
	f.StringVar(&file, "images-file", envOr("IMAGES_FILE", defaultImagesFile), "image references written by 'images build' (env IMAGES_FILE)")
	f.StringVar(&output, "output", "", "where to write the pushed references (default: --images-file, rewritten)")
	f.BoolVar(&insecure, "insecure", false, "allow plain HTTP to the registry (always allowed for localhost:PORT, 127.0.0.1, ::1 and private addresses)")
	f.BoolVar(&dryRun, "dry-run", false, "list what would be pushed and the resulting references; push and write nothing")
	return cmd
}
