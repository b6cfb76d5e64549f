package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/reports"
)

const compareLong = `Compare two certificates written by 'stateproof certify' row by row and print every check
whose verdict differs, with the reasons each side gives. Each argument is a certificate.json or
the report directory holding one.

With --expect-differ the command is a test: it succeeds only when the rows that differ are
exactly the listed checks. 'make certify-kind' uses it to show that kind's node-local class
"standard" and its node-independent class "shared" differ only where node-local storage cannot
follow a pod: --expect-differ data-node-loss.

Exit codes:
  0  compared (and, with --expect-differ, exactly the listed rows differ)
  1  with --expect-differ: other rows differ, a listed row does not, or a certificate is
     INCOMPLETE
  2  bad usage or input: unreadable or invalid certificate, unknown check`

func newCompareCommand() *cobra.Command {
	var expect string
	cmd := &cobra.Command{
		Use:   "compare CERTIFICATE_A CERTIFICATE_B",
		Short: "Show the checks whose verdicts differ between two certificates",
		Long:  compareLong,
		Example: `  stateproof compare _artifacts/certify/standard _artifacts/certify/shared
  stateproof compare --expect-differ data-node-loss _artifacts/certify/standard _artifacts/certify/shared`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Errorf("compare takes two certificates (certificate.json or its report directory), got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var want []reports.Check
			if cmd.Flags().Changed("expect-differ") && expect != "" {
				var err error
				if want, err = parseChecks("--expect-differ", expect); err != nil {
					return err
				}
			}
			a, err := loadCertificate(args[0])
			if err != nil {
				return err
			}
			b, err := loadCertificate(args[1])
			if err != nil {
				return err
			}
			printComparison(cmd.OutOrStdout(), a, b)
			if !cmd.Flags().Changed("expect-differ") {
				return nil
			}
			if err := reports.ExpectDifferences(a, b, want); err != nil {
				return exitError{code: 1, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "as expected: the rows that differ are exactly [%s]\n", expect)
			return nil
		},
	}
	cmd.Flags().StringVar(&expect, "expect-differ", "", "comma-separated checks that must be exactly the rows that differ (empty: none may differ)")
	return cmd
}

// loadCertificate reads and validates the certificate at path, or at path/certificate.json
// when path is a directory. Errors are usageErrors naming the path.
func loadCertificate(path string) (reports.Certificate, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, certificateJSON)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return reports.Certificate{}, usageError{fmt.Errorf("certificate %s: %w", path, err)}
	}
	var head struct {
		SchemaVersion string `json:"schemaVersion"`
	}
	if json.Unmarshal(data, &head) == nil && head.SchemaVersion != reports.SchemaVersion && strings.HasPrefix(head.SchemaVersion, "stateproof.io/certificate/") {
		return reports.Certificate{}, usageError{fmt.Errorf("certificate %s has schemaVersion %s, an older format than this stateproof reads (%s): certify the class again with this version",
			path, head.SchemaVersion, reports.SchemaVersion)}
	}
	if err := reports.Validate(data); err != nil {
		return reports.Certificate{}, usageError{fmt.Errorf("certificate %s is not valid: %w", path, err)}
	}
	c, err := reports.ReadJSON(path)
	if err != nil {
		return reports.Certificate{}, usageError{err}
	}
	return c, nil
}

// printComparison writes the headline of both certificates and a table of the rows that differ,
// each followed by the reasons of both sides.
func printComparison(w io.Writer, a, b reports.Certificate) {
	fmt.Fprintf(w, "A: %s: %s\nB: %s: %s\n", a.StorageClass, a.Verdict, b.StorageClass, b.Verdict)
	diff := reports.Compare(a, b)
	if len(diff) == 0 {
		fmt.Fprintln(w, "every row has the same verdict")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tA\tB")
	for _, d := range diff {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", d.Check, d.A.Verdict, d.B.Verdict)
	}
	tw.Flush()
	for _, d := range diff {
		for _, s := range []struct {
			side string
			row  reports.Row
		}{{"A", d.A}, {"B", d.B}} {
			for _, why := range s.row.Reasons {
				fmt.Fprintf(w, "  %s %s: %s\n", d.Check, s.side, strings.TrimSpace(why))
			}
		}
	}
}
