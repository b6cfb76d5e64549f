package main

import (
	"cmp"
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
	return newListCommand("workloads", "List the reference workloads (the values of certify --workloads)",
		`List every registered reference workload: its name (the value of certify --workloads and
of the suites' workload:<name> label), its images and what its agent writes. With --names, only
the names, comma-separated, as --workloads takes them.`,
		workloads.Names, func() [][]string {
			rows := [][]string{{"NAME", "IMAGES", "DESCRIPTION"}}
			for _, w := range workloads.All() {
				var imgs []string
				for _, img := range w.Images {
					imgs = append(imgs, img.Name)
				}
				rows = append(rows, []string{w.Name, strings.Join(imgs, ","), w.Summary})
			}
			return rows
		})
}

// newFaultsCommand is `stateproof faults`: the registered faults with their recovery paths and
// the certificate checks they decide.
func newFaultsCommand() *cobra.Command {
	return newListCommand("faults", "List the faults (the values of certify --faults) and the checks they decide",
		`List every registered fault: its name (the value of certify --faults and of the suites'
fault:<name> label), each recovery path (recovery:<path>) with the certificate check its
data-survival specs decide, and whether it needs more than the Kubernetes API. With --names,
only the names, comma-separated.`,
		faults.Names, func() [][]string {
			rows := [][]string{{"NAME", "RECOVERY", "CHECK", "NEEDS", "DESCRIPTION"}}
			for _, k := range faults.All() {
				needs := "API"
				if k.Available != nil {
					needs = "API+nodes"
				}
				for i, p := range k.Paths {
					recovery, summary := cmp.Or(p.Recovery, "-"), k.Summary
					if i > 0 {
						summary = ""
					}
					rows = append(rows, []string{k.Name, recovery, string(p.Check), needs, summary})
				}
			}
			return rows
		})
}

// newListCommand is a listing of a registry: with --names the names, comma-separated, else the
// rows (a header first) as aligned columns.
func newListCommand(use, short, long string, names func() []string, rows func() [][]string) *cobra.Command {
	var namesOnly bool
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if namesOnly {
				_, err := fmt.Fprintln(out, strings.Join(names(), ","))
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			for _, row := range rows() {
				fmt.Fprintln(tw, strings.Join(row, "\t"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&namesOnly, "names", false, "print only the names, comma-separated")
	return cmd
}
