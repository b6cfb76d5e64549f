package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/fixtures/workloads/external"
	"github.com/stateproof/stateproof/reports"
	"github.com/stateproof/stateproof/reports/check"
)

// defaultInterruptGrace is how long the suites may take, after an interrupt, to undo the faults
// in progress (bring a node back, uncordon it), delete their namespaces and write their report:
// longer than the clean-up limits one spec may wait for (the MySQL drain spec recovers two
// drains), plus a minute for the report.
const defaultInterruptGrace = 2*(faults.RecoverTimeout+faults.UnmarkTimeout) + kube.NamespaceCleanupTimeout + time.Minute

// defaultSuiteBinaryPath is the suite binary `make suites` builds
// (go test -c -tags e2e -o _build/suites.test ./suites).
const defaultSuiteBinaryPath = "_build/suites.test"

// certifyOptions are the validated flags of `stateproof certify`.
type certifyOptions struct {
	storageClass, kubeconfig, kubeContext string
	workloads, faults                     []string
	reportDir, suiteBinary, imagesFile    string
	labelFilter                           string
	timeout, readyTimeout                 time.Duration
	// procs is the number of parallel Ginkgo processes; ginkgo the CLI that runs them.
	procs  int
	ginkgo string
	// expectFailed, for the harness's self-test on a deliberately bad class: the checks that
	// must fail (see certifier.verdict).
	expectFailed []reports.Check
	// workloadFilePath is --workload-file; workloadFile the file it names, loaded by complete
	// (nil without one).
	workloadFilePath string
	workloadFile     *external.File
	// workloadsGiven says --workloads was given: without it the file's workload joins the
	// default (every registered one).
	workloadsGiven bool
}

// exitError is an error that ends the process with code (see the package doc of main).
type exitError struct {
	code int
	err  error
}

// Error is the wrapped error's message.
func (e exitError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e exitError) Unwrap() error { return e.err }

const certifyLong = `Certify one StorageClass: run the suites' certification specs against it and file the
verdict as a certificate (format: docs/certificate.md).

Steps:
  1. Without --kubeconfig, create or reuse the project's kind cluster exactly as
     'stateproof cluster create' does (env KIND_CLUSTER, KUBECONFIG_OUT; needs --images-file)
     and use the kubeconfig it writes.
  2. Preflight: the cluster answers, the StorageClass exists, and SelfSubjectAccessReviews
     allow every verb the suites use (namespaces; pods and pods/exec, /proxy, /log, /eviction;
     services, secrets, PVCs, ConfigMaps, StatefulSets, Deployments, PodDisruptionBudgets,
     events; DaemonSets, which the drain reads; PVs, StorageClasses; nodes, which faults
     cordon and taint, and their kubelet Leases); every node is Ready, not cordoned or
     tainted and free of the label of a run that is gone (nodes a live run on this machine
     has leased are skipped): else it stops, naming 'stateproof cleanup --all'.
  3. Run the precompiled suite binary (make suites) on the specs that decide a certificate row
     (label check:<id>, negative controls excluded), restricted to --workloads and --faults;
     specs without a workload or fault label always run. With --procs N > 1 (default 6) the
     ginkgo CLI runs them in N parallel processes; each spec leases the worker nodes it
     occupies, so a fault never reaches another spec's pods. Their output is streamed here,
     with a progress line when a spec starts, waits for nodes and ends.
  4. Write into --report-dir: junit.xml and report.json (Ginkgo), certificate.json,
     certificate.html and artifacts/ (write histories, diagnostics of failed specs).
  5. Always, also after an error or Ctrl-C: undo what a fault left on a node the suites did not
     recover (each node is labelled stateproof.io/fault-run=<run id> before a fault touches
     it: its kind container is started or unpaused, it is uncordoned and untainted), delete
     the namespaces the run created (label stateproof.io/run=<run id>), and write an
     INCOMPLETE certificate when no verdict was reached. On Ctrl-C the suites get one
     interrupt and up to 28 minutes (longer than the clean-up limits of a spec) to undo the
     faults in progress and write their report before they are killed. A second Ctrl-C stops
     at once, saying what is still to undo: 'stateproof cleanup --run-id <id>' undoes it.

CERTIFIED needs every required check (provisioning, data-pod-delete, data-node-restart,
data-node-loss, data-drain, identity) to pass and no check to fail or error; the certificate's
"blocking" lines say what stood in the way. A class on which a check failed (acknowledged
writes lost, say) is FAILED. A node-bound class such as kind's "standard" is NOT CERTIFIED:
nothing failed, but its volumes cannot follow a pod to another node, so node loss does not
apply.

Exit codes (one per outcome):
  0  CERTIFIED
  1  FAILED: a check failed (the storage, or the workload on it, did not behave as required)
  2  bad usage or input: unknown flag or value, unknown StorageClass, unreachable cluster,
     insufficient permissions, a node-failure fault on a cluster that is not kind,
     missing suite binary or images file (an INCOMPLETE
     certificate is still written when the flags are valid)
  3  INCOMPLETE: no verdict could be reached (interrupted, suite timeout, kind cluster or
     suite set-up failed, no report)
  4  NOT CERTIFIED: nothing failed, but a check errored (could not decide) or a required
     check did not pass (not applicable, not run)
With --expect-failed (the harness's self-test on a class built to lose data) the codes
change: 0 when the certificate is FAILED and every listed check failed;
1 otherwise (the harness missed the loss).`

func newCertifyCommand() *cobra.Command {
	var o certifyOptions
	var workloadList, faultList, expectFailed string
	cmd := &cobra.Command{
		Use:   "certify --storage-class NAME",
		Short: "Run the suites against a StorageClass and write its certificate",
		Long:  certifyLong,
		Example: `  stateproof certify --storage-class standard
  stateproof certify --storage-class gp3 --kubeconfig ~/.kube/config --context prod \
      --workloads mysql --faults pod-delete,node-drain`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("certify takes no arguments, got %q: pass the class with --storage-class", args)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.workloadsGiven = cmd.Flags().Changed("workloads")
			if err := o.complete(workloadList, faultList, expectFailed); err != nil {
				return err
			}
			c := &certifier{
				opts: o, out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr(), runID: rand.String(10),
				connect: kube.Connect, interruptGrace: defaultInterruptGrace, cleanupTimeout: 5 * time.Minute,
			}
			c.kindCluster = func(ctx context.Context) (string, error) {
				k := defaultKindCluster(o.imagesFile)
				return k.kubeconfig, createKindCluster(ctx, c.out, k)
			}
			go c.obeySecondInterrupt(cmd.Context())
			return c.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.storageClass, "storage-class", "", "StorageClass to certify (required)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (default: create or reuse the project's kind cluster)")
	f.StringVar(&o.kubeContext, "context", "", "kubeconfig context (default: the current one)")
	f.StringVar(&workloadList, "workloads", strings.Join(workloads.Names(), ","), "comma-separated workloads to run (stateproof workloads describes them): "+strings.Join(workloads.Names(), ", "))
	f.StringVar(&faultList, "faults", strings.Join(faults.Names(), ","), "comma-separated faults to inject (stateproof faults describes them): "+strings.Join(faults.Names(), ", "))
	f.StringVar(&o.reportDir, "report-dir", "", "where reports and the certificate go (default _artifacts/certify/<class>)")
	f.DurationVar(&o.timeout, "timeout", 3*time.Hour, "the whole suite run's limit (--ginkgo.timeout); the run is INCOMPLETE past it")
	f.DurationVar(&o.readyTimeout, "ready-timeout", 5*time.Minute, "how long a workload may take to become Ready")
	f.IntVar(&o.procs, "procs", 6, "parallel Ginkgo processes; each spec leases the worker nodes it occupies, so no fault reaches another spec's pods; 1 runs the suite binary serially")
	f.StringVar(&o.ginkgo, "ginkgo", "", "ginkgo CLI that runs the suite binary in parallel processes (default: ginkgo next to the suite binary, as 'make suites' builds it, else on PATH)")
	f.StringVar(&o.suiteBinary, "suite-binary", "", "suite binary built by 'make suites' (default suites.test next to this executable if present, else "+defaultSuiteBinaryPath+")")
	f.StringVar(&o.imagesFile, "images-file", envOr("IMAGES_FILE", defaultImagesFile), "image references written by 'images build' (env IMAGES_FILE)")
	f.StringVar(&o.labelFilter, "label-filter", "", "extra Ginkgo label filter, ANDed with the certification filter")
	f.StringVar(&o.workloadFilePath, "workload-file", "", "an external workload described in FILE (docs/extending.md): run as workload "+external.Name+", with the registered ones unless --workloads says otherwise; the certificate records the file's path and SHA-256")
	f.StringVar(&expectFailed, "expect-failed", "", "self-test: comma-separated checks that must fail (e.g. data-node-restart on a class built to lose data); succeed only if they did")
	return cmd
}

// complete validates the flags and fills the defaults that depend on others. Errors are
// usageErrors naming the bad value and the valid ones.
func (o *certifyOptions) complete(workloadList, faultList, expectFailed string) error {
	if o.storageClass == "" {
		return usageError{errors.New("--storage-class is required: the StorageClass to certify (kubectl get storageclass lists them)")}
	}
	if errs := validation.IsDNS1123Subdomain(o.storageClass); len(errs) > 0 {
		return usageError{fmt.Errorf("--storage-class %q is not a valid StorageClass name: %s", o.storageClass, strings.Join(errs, "; "))}
	}
	valid := workloads.Names()
	if o.workloadFilePath != "" {
		f, err := external.Load(o.workloadFilePath, faults.Names(), external.Catalogue())
		if err != nil {
			return usageError{fmt.Errorf("--workload-file: %w", err)}
		}
		if f.Spec.NegativeControl {
			return usageError{fmt.Errorf("--workload-file %s: spec.negativeControl is set: a negative control decides no certificate row (run it with make e2e WORKLOAD_FILE=%s)", o.workloadFilePath, o.workloadFilePath)}
		}
		o.workloadFile, valid = f, append(valid, external.Name)
		if !o.workloadsGiven {
			workloadList += "," + external.Name
		}
	}
	if o.workloadFile == nil && slices.ContainsFunc(strings.Split(workloadList, ","), func(w string) bool { return strings.TrimSpace(w) == external.Name }) {
		return usageError{fmt.Errorf("--workloads %s: the external workload needs --workload-file FILE (docs/extending.md)", external.Name)}
	}
	var err error
	o.workloads, err = parseList("--workloads", "workload", workloadList, valid)
	switch {
	case err != nil:
		return err
	case o.workloadFile != nil && !slices.Contains(o.workloads, external.Name):
		return usageError{fmt.Errorf("--workload-file %s is given but --workloads %s lacks %s: add it, or drop --workload-file", o.workloadFilePath, strings.Join(o.workloads, ","), external.Name)}
	}
	if o.faults, err = parseList("--faults", "fault", faultList, faults.Names()); err != nil {
		return err
	}
	if expectFailed != "" {
		if o.expectFailed, err = parseChecks("--expect-failed", expectFailed); err != nil {
			return err
		}
	}
	if o.timeout <= 0 {
		return usageError{fmt.Errorf("--timeout %s: must be positive, e.g. 3h", o.timeout)}
	}
	if o.readyTimeout <= 0 {
		return usageError{fmt.Errorf("--ready-timeout %s: must be positive, e.g. 5m", o.readyTimeout)}
	}
	if o.labelFilter != "" {
		if _, err := types.ParseLabelFilter(o.labelFilter); err != nil {
			return usageError{fmt.Errorf("--label-filter %q is not a Ginkgo label filter: %v", o.labelFilter, err)}
		}
	}
	if o.reportDir == "" {
		o.reportDir = filepath.Join("_artifacts", "certify", o.storageClass)
	}
	if o.suiteBinary == "" {
		exe, _ := os.Executable()
		o.suiteBinary = defaultSuiteBinary(exe)
	}
	if o.procs < 1 {
		return usageError{fmt.Errorf("--procs %d: want 1 (serial) or more parallel processes", o.procs)}
	}
	if o.ginkgo == "" && o.procs > 1 {
		o.ginkgo = filepath.Join(filepath.Dir(o.suiteBinary), "ginkgo")
		if _, err := os.Stat(o.ginkgo); err != nil {
			if p, err := exec.LookPath("ginkgo"); err == nil {
				o.ginkgo = p
			}
		}
	}
	return nil
}

// parseList splits a comma-separated flag value, trimming blanks and dropping duplicates, and
// checks every item against valid. Errors are usageErrors naming the flag, the bad item and
// the valid values.
func parseList(flag, what, value string, valid []string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(value, ",") {
		item = strings.TrimSpace(item)
		if item == "" || slices.Contains(out, item) {
			continue
		}
		if !slices.Contains(valid, item) {
			return nil, usageError{fmt.Errorf("%s: unknown %s %q; valid: %s", flag, what, item, strings.Join(valid, ", "))}
		}
		out = append(out, item)
	}
	if len(out) == 0 {
		return nil, usageError{fmt.Errorf("%s is empty; give one or more of: %s", flag, strings.Join(valid, ", "))}
	}
	return out, nil
}

// parseChecks is parseList for certificate rows: value must list ids of check.All.
func parseChecks(flag, value string) ([]reports.Check, error) {
	var ids []string
	for _, c := range check.All {
		ids = append(ids, string(c))
	}
	items, err := parseList(flag, "check", value, ids)
	var checks []reports.Check
	for _, c := range items {
		checks = append(checks, reports.Check(c))
	}
	return checks, err
}

// defaultSuiteBinary is suites.test next to the executable exe when that file exists (a
// release ships both side by side), else defaultSuiteBinaryPath.
func defaultSuiteBinary(exe string) string {
	if exe != "" {
		p := filepath.Join(filepath.Dir(exe), "suites.test")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return defaultSuiteBinaryPath
}
