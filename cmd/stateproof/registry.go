package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/faults"
	_ "github.com/stateproof/stateproof/faults/all" // every fault registers itself
	"github.com/stateproof/stateproof/fixtures/workloads"
	_ "github.com/stateproof/stateproof/fixtures/workloads/all" // every workload registers itself
)

// newWorkloadsCommand is `stateproof workloads`: the registered workloads, one per line, with
// their images and what the agent writes (Summary).
func newWorkloadsCommand() *cobra.Command {
	var names bool
	cmd := &cobra.Command{
		Use:   "workloads",
		Short: "List the reference workloads (the values of certify --workloads)",
		Long: `List every registered reference workload: its name (the value of certify --workloads and
of the suites' workload:<name> label), its images and what its agent writes. With --names, only
the names, comma-separated, as --workloads takes them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if names {
				_, err := fmt.Fprintln(out, strings.Join(workloads.Names(), ","))
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tIMAGES\tDESCRIPTION")
			for _, w := range workloads.All() {
				var imgs []string
				for _, img := range w.Images {
					imgs = append(imgs, img.Name)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", w.Name, strings.Join(imgs, ","), w.Summary)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&names, "names", false, "print only the names, comma-separated")
	return cmd
}

// newFaultsCommand is `stateproof faults`: the registered faults with their recovery paths and
// the certificate checks they decide.
func newFaultsCommand() *cobra.Command {
	var names bool
	cmd := &cobra.Command{
		Use:   "faults",
		Short: "List the faults (the values of certify --faults) and the checks they decide",
		Long: `List every registered fault: its name (the value of certify --faults and of the suites'
fault:<name> label), each recovery path (recovery:<path>) with the certificate check its
data-survival specs decide, and whether it needs more than the Kubernetes API. With --names,
only the names, comma-separated.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if names {
				_, err := fmt.Fprintln(out, strings.Join(faults.Names(), ","))
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tRECOVERY\tCHECK\tNEEDS\tDESCRIPTION")
			for _, k := range faults.All() {
				needs := "API"
				if k.Available != nil {
					needs = "API+nodes"
				}
				for i, p := range k.Paths {
					recovery, summary := p.Recovery, k.Summary
					if recovery == "" {
						recovery = "-"
					}
					if i > 0 {
						summary = ""
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, recovery, p.Check, needs, summary)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&names, "names", false, "print only the names, comma-separated")
	return cmd
}
