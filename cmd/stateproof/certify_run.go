package main

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/leftover"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/kube/lease"
	"github.com/stateproof/stateproof/fixtures/kube/preflight"
	"github.com/stateproof/stateproof/reports"
	"github.com/stateproof/stateproof/suites/record"
)

// Exit codes of certify (see certifyLong): one per outcome.
const (
	// exitFailed: the certificate is FAILED (and, with --expect-failed, the self-test failed).
	exitFailed       = 1
	exitBadInput     = 2
	exitIncomplete   = 3
	exitNotCertified = 4
)

// certifier runs one certification. The cluster-facing steps are fields so that tests replace
// them (a fake clientset behind connect, no kind cluster).
type certifier struct {
	opts        certifyOptions
	out, errOut io.Writer
	// kindCluster creates or reuses the project's kind cluster and returns its kubeconfig path;
	// used when opts.kubeconfig is empty.
	kindCluster func(ctx context.Context) (string, error)
	// connect returns a client of the cluster, checking that it answers (kube.Connect).
	connect func(ctx context.Context, kubeconfig, kubeContext string) (*kube.Client, error)
	// runID labels the run's namespaces (kube.RunLabel) for the clean-up.
	runID string
	// interruptGrace is how long the suites may clean up after an interrupt before being killed.
	interruptGrace time.Duration
	// cleanupTimeout bounds the deletion of the run's namespaces.
	cleanupTimeout time.Duration

	mu sync.Mutex
	// client is the cluster's client once connected; running the running suites' process.
	client  *kube.Client
	running *os.Process
	// faultsAvailable returns an error naming the first selected fault this cluster cannot run
	// (nil: faultsAvailable below).
	faultsAvailable func(ctx context.Context, client *kube.Client, faults []string) error
}

// faultsAvailable checks that the cluster can run the selected faults (faults.Kind.Available):
// the node failures need kind node containers the runtime can see; pod deletion and drain only
// need the API.
func faultsAvailable(ctx context.Context, client *kube.Client, selected []string) error {
	for _, name := range selected {
		k, ok := faults.Lookup(name)
		if !ok || k.Available == nil {
			continue
		}
		if err := k.Available(ctx, client); err != nil {
			var api []string // the selected faults that need only the API
			for _, other := range selected {
				if o, ok := faults.Lookup(other); ok && o.Available == nil {
					api = append(api, other)
				}
			}
			leave := "leave it out with --faults"
			if len(api) > 0 {
				leave += " " + strings.Join(api, ",")
			}
			return fmt.Errorf("fault %s cannot run on this cluster: %w; %s (the checks only it decides then stay not run, so the class cannot be certified)", name, err, leave)
		}
	}
	return nil
}

// run certifies opts.storageClass. Whatever happens, once the report directory exists it holds
// a certificate (INCOMPLETE when no verdict was reached) and the run's namespaces are deleted.
// The error is an exitError carrying the exit code; nil means CERTIFIED.
func (c *certifier) run(ctx context.Context) (err error) {
	o := c.opts
	dir, err := filepath.Abs(o.reportDir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return exitError{exitIncomplete, fmt.Errorf("report dir %s: %w", o.reportDir, err)}
	}
	env := reports.Environment{StateproofVersion: stateproofVersion(), Context: o.kubeContext}
	var client *kube.Client
	written := false
	defer func() {
		if client != nil {
			c.cleanup(ctx, client)
		}
		if !written {
			err = c.fileIncomplete(ctx, dir, env, err)
		}
	}()
	if err := c.prerequisites(); err != nil {
		return err
	}
	kubeconfig := o.kubeconfig
	if kubeconfig == "" {
		c.logf("no --kubeconfig: using the project's kind cluster (as 'stateproof cluster create')")
		if kubeconfig, err = c.kindCluster(ctx); err != nil {
			return exitError{exitIncomplete, fmt.Errorf("kind cluster: %w", err)}
		}
	}
	if kubeconfig, err = filepath.Abs(kubeconfig); err != nil {
		return exitError{exitBadInput, err}
	}
	if name, cluster, err := preflight.KubeconfigNames(kubeconfig, o.kubeContext); err == nil {
		env.Context, env.Cluster = name, cluster
	} // else Connect says what is wrong with the kubeconfig
	c.logf("connecting to context %q of %s", env.Context, kubeconfig)
	if client, err = c.connect(ctx, kubeconfig, o.kubeContext); err != nil {
		if ctx.Err() != nil { // interrupted while connecting: no verdict, not bad input
			return exitError{exitIncomplete, err}
		}
		return exitError{exitBadInput, err}
	}
	c.mu.Lock()
	c.client = client
	c.mu.Unlock()
	if env, err = c.preflight(ctx, client, env); err != nil {
		return err
	}
	reps, err := c.suites(ctx, dir, kubeconfig)
	if err != nil {
		return err
	}
	found, err := record.ReadAll(filepath.Join(dir, artifactsDir))
	if err != nil {
		fmt.Fprintf(c.errOut, "[certify] warning: spec records the certificate cannot use (their specs count as errors): %v\n", err)
	}
	cert := reports.FromGinkgo(o.storageClass, reps, reports.RecordsOf(found), env)
	cert.Run.Workloads, cert.Run.Faults = o.workloads, o.faults
	cert.Run.LabelFilter, cert.Run.SuiteRevision = certifyFilter(o.workloads, o.faults, o.labelFilter), binaryVersion(o.suiteBinary)
	if f := o.workloadFile; f != nil {
		cert.Run.WorkloadFile = &reports.WorkloadFile{Path: f.Path, SHA256: f.SHA256}
	}
	written = true
	if err := writeCertificate(dir, cert); err != nil {
		return exitError{exitIncomplete, err}
	}
	return c.verdict(dir, cert)
}

// prerequisites checks the local files the run needs before any cluster work.
func (c *certifier) prerequisites() error {
	if st, err := os.Stat(c.opts.suiteBinary); err != nil || st.IsDir() {
		return exitError{exitBadInput, fmt.Errorf("suite binary %s not found: build it with 'make suites' "+
			"(go test -c -tags e2e -o %s ./suites) or pass --suite-binary", c.opts.suiteBinary, defaultSuiteBinaryPath)}
	}
	if c.opts.procs > 1 {
		if st, err := os.Stat(c.opts.ginkgo); err != nil || st.IsDir() {
			return exitError{exitBadInput, fmt.Errorf("ginkgo CLI %q not found, which runs the suites in %d parallel processes: build it with 'make suites' "+
				"(next to the suite binary), pass --ginkgo, or run serially with --procs 1", c.opts.ginkgo, c.opts.procs)}
		}
	}
	if _, err := os.Stat(c.opts.imagesFile); err != nil {
		return exitError{exitBadInput, fmt.Errorf("images file %s not found: run 'stateproof images build' (make images) or pass --images-file", c.opts.imagesFile)}
	}
	return nil
}

// preflight checks the StorageClass and the permissions and fingerprints the cluster. Unknown
// classes and denied permissions are bad input; other API errors make the run incomplete.
func (c *certifier) preflight(ctx context.Context, client *kube.Client, env reports.Environment) (reports.Environment, error) {
	cs := client.Clientset
	sc, err := preflight.StorageClass(ctx, cs, c.opts.storageClass)
	if err != nil {
		return env, exitError{codeFor(err, new(*preflight.UnknownStorageClassError)), err}
	}
	ctxName, cluster := env.Context, env.Cluster
	env = preflight.Class(sc)
	env.StateproofVersion, env.Context, env.Cluster = stateproofVersion(), ctxName, cluster
	extra := faults.Access(c.opts.faults)
	if f := c.opts.workloadFile; f != nil {
		extra = append(extra, f.Access...) // creating the file's manifests
	}
	c.logf("checking permissions (%d SelfSubjectAccessReviews)", len(preflight.Needed(extra)))
	if err := preflight.Permissions(ctx, cs, "", extra); err != nil {
		return env, exitError{codeFor(err, new(*preflight.PermissionError)), err}
	}
	c.logf("checking the nodes: Ready, not cordoned or tainted, no fault of a run that is gone")
	if err := preflight.Nodes(ctx, cs, leasedNodes(ctx, cs)); err != nil {
		return env, exitError{codeFor(err, new(*preflight.DegradedNodesError)), err}
	}
	available := c.faultsAvailable
	if available == nil {
		available = faultsAvailable
	}
	if err := available(ctx, client, c.opts.faults); err != nil {
		return env, exitError{exitBadInput, err}
	}
	full, err := preflight.Fingerprint(ctx, cs, sc, env.StateproofVersion)
	full.Context, full.Cluster = ctxName, cluster
	if err != nil {
		return full, exitError{exitIncomplete, fmt.Errorf("fingerprint: %w", err)}
	}
	c.logf("Kubernetes %s, %d nodes; StorageClass %s: provisioner %s, %s, reclaim %s, expansion %t",
		full.KubernetesVersion, full.Nodes, sc.Name, full.Provisioner, full.VolumeBindingMode, full.ReclaimPolicy, full.AllowVolumeExpansion)
	return full, nil
}

// leasedNodes returns the worker nodes a live run on this machine holds now (node → holder; see
// package lease: the suites' lock directory of this cluster, named by its kube-system UID), or
// none when it cannot tell.
func leasedNodes(ctx context.Context, cs kubernetes.Interface) map[string]string {
	ks, err := cs.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		return nil
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	var names []string
	for _, n := range nodes.Items {
		names = append(names, n.Name)
	}
	pool, err := lease.Open(lease.DefaultDir(string(ks.UID)), names)
	if err != nil {
		return nil
	}
	return pool.Holders()
}

// codeFor is exitBadInput when err is of the type target points to, else exitIncomplete.
func codeFor(err error, target any) int {
	if errors.As(err, target) {
		return exitBadInput
	}
	return exitIncomplete
}

// suites runs the suite binary into dir and returns its Ginkgo report. A missing or unreadable
// report makes the run incomplete.
func (c *certifier) suites(ctx context.Context, dir, kubeconfig string) ([]types.Report, error) {
	report := filepath.Join(dir, ginkgoJSONReport)
	for _, stale := range []string{report, filepath.Join(dir, ginkgoJUnit)} {
		if err := os.Remove(stale); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, exitError{exitIncomplete, fmt.Errorf("remove the previous run's %s: %w", stale, err)}
		}
	}
	// A previous run's spec records must not decide this run's verdicts.
	if err := os.RemoveAll(filepath.Join(dir, artifactsDir)); err != nil {
		return nil, exitError{exitIncomplete, fmt.Errorf("remove the previous run's artifacts: %w", err)}
	}
	images, err := filepath.Abs(c.opts.imagesFile)
	if err != nil {
		return nil, exitError{exitBadInput, err}
	}
	name, args := suiteCommand(c.opts, dir, kubeconfig, images, c.runID)
	c.logf("run %s: %s", c.runID, shellQuote(append([]string{name}, args...)))
	start := time.Now()
	stopFollowing := followProgress(progressFile(dir), c.out)
	code, err := runSuites(ctx, name, args, c.out, c.errOut, c.interruptGrace, func(p *os.Process) {
		c.mu.Lock()
		c.running = p
		c.mu.Unlock()
	})
	c.mu.Lock()
	c.running = nil
	c.mu.Unlock()
	stopFollowing()
	if err != nil {
		return nil, exitError{exitIncomplete, err}
	}
	c.logf("suites exited with code %d after %s (%d parallel process(es))", code, time.Since(start).Round(time.Second), max(c.opts.procs, 1))
	reps, err := readGinkgoReport(report)
	if err != nil {
		return nil, exitError{exitIncomplete, fmt.Errorf("the suite binary (exit code %d) left no usable report: %w", code, err)}
	}
	return reps, nil
}

// cleanup undoes the faults the run left on its nodes (the suites' own clean-up did not run,
// or did not finish: they were killed) and deletes the namespaces labelled with the run id, even
// after ctx is done, and logs what it did; failures are logged, not returned, with the command
// that undoes what is left.
func (c *certifier) cleanup(ctx context.Context, client *kube.Client) {
	nodesCtx, cancelNodes := context.WithTimeout(context.WithoutCancel(ctx), faults.RecoverTimeout)
	err := undoNodes(nodesCtx, client, c.runID, faults.RecoverTimeout/2, func(format string, args ...any) { c.logf("clean-up: "+format, args...) })
	cancelNodes()
	if err != nil {
		fmt.Fprintf(c.errOut, "[certify] warning: %v; undo it with: stateproof cleanup --run-id %s --kubeconfig <kubeconfig>\n", err, c.runID)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cleanupTimeout)
	defer cancel()
	sel := kube.RunLabel + "=" + c.runID
	list, err := client.Clientset.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		fmt.Fprintf(c.errOut, "[certify] warning: cannot list the namespaces of this run (%s) to delete them: %v\n", sel, err)
		return
	}
	if len(list.Items) == 0 {
		c.logf("clean-up: no namespace of run %s left", c.runID)
		return
	}
	errs := make([]error, len(list.Items))
	var wg sync.WaitGroup
	for i, ns := range list.Items {
		wg.Go(func() { errs[i] = client.DeleteNamespace(ctx, ns.Name, c.cleanupTimeout) })
	}
	wg.Wait()
	for i, ns := range list.Items {
		if errs[i] != nil {
			fmt.Fprintf(c.errOut, "[certify] warning: namespace %s of run %s: %v\n", ns.Name, c.runID, errs[i])
		} else {
			c.logf("clean-up: deleted namespace %s", ns.Name)
		}
	}
}

// fileIncomplete writes the INCOMPLETE certificate for the error err that stopped the run and
// returns err as an exitError (exitIncomplete unless it already carries a code).
func (c *certifier) fileIncomplete(ctx context.Context, dir string, env reports.Environment, err error) error {
	if err == nil {
		err = errors.New("the run stopped without a verdict")
	}
	code := exitIncomplete
	var ee exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("interrupted: %w", err)
	}
	cert := reports.Incomplete(c.opts.storageClass, env, err.Error())
	if werr := writeCertificate(dir, cert); werr != nil {
		return exitError{code, errors.Join(err, werr)}
	}
	c.logf("StorageClass %s: %s (%s)", cert.StorageClass, cert.Verdict, cert.Reason)
	c.logf("certificate: %s, %s", filepath.Join(dir, certificateJSON), filepath.Join(dir, certificateHTML))
	return exitError{code, err}
}

// writeCertificate writes certificate.json and certificate.html into dir.
func writeCertificate(dir string, cert reports.Certificate) error {
	return errors.Join(reports.WriteJSON(filepath.Join(dir, certificateJSON), cert),
		reports.WriteHTML(filepath.Join(dir, certificateHTML), cert))
}

// verdict prints the verdict, its reasons and the paths, and returns nil when certified, else
// the exitError of the verdict.
func (c *certifier) verdict(dir string, cert reports.Certificate) error {
	c.logf("StorageClass %s: %s", cert.StorageClass, cert.Verdict)
	if cert.Reason != "" {
		c.logf("  %s", cert.Reason)
	}
	for _, b := range cert.Blocking {
		c.logf("  %s", b)
	}
	c.logf("certificate: %s, %s; Ginkgo reports: %s, %s", filepath.Join(dir, certificateJSON), filepath.Join(dir, certificateHTML),
		filepath.Join(dir, ginkgoJSONReport), filepath.Join(dir, ginkgoJUnit))
	if len(c.opts.expectFailed) > 0 {
		return c.selfTest(cert)
	}
	switch {
	case cert.Certified:
		return nil
	case cert.Complete:
		code := exitNotCertified
		if cert.Verdict == reports.SummaryFailed {
			code = exitFailed
		}
		return exitError{code, fmt.Errorf("StorageClass %q is %s: %d blocking row(s), see %s",
			cert.StorageClass, cert.Verdict, len(cert.Blocking), filepath.Join(dir, certificateHTML))}
	default:
		return exitError{exitIncomplete, fmt.Errorf("the certificate of StorageClass %q is INCOMPLETE: %s", cert.StorageClass, cert.Reason)}
	}
}

// selfTest judges a certificate of a class built to lose data (--expect-failed): nil when it is
// FAILED and every expected check failed; else an exitFailed error saying what the harness
// missed.
func (c *certifier) selfTest(cert reports.Certificate) error {
	verdicts := map[reports.Check]reports.Verdict{}
	for _, r := range cert.Rows {
		verdicts[r.Check] = r.Verdict
	}
	var missed []string
	if cert.Verdict != reports.SummaryFailed {
		missed = append(missed, fmt.Sprintf("the certificate is %s, want %s", cert.Verdict, reports.SummaryFailed))
	}
	for _, check := range c.opts.expectFailed {
		if v := verdicts[check]; v != reports.Fail {
			missed = append(missed, fmt.Sprintf("check %s is %q, want %q", check, v, reports.Fail))
		}
	}
	if len(missed) > 0 {
		return exitError{exitFailed, fmt.Errorf("self-test on StorageClass %q: the harness did not catch the bad class: %s",
			cert.StorageClass, strings.Join(missed, "; "))}
	}
	c.logf("self-test passed: StorageClass %s is %s and %v failed, as it must", cert.StorageClass, cert.Verdict, c.opts.expectFailed)
	return nil
}

// shellQuote joins args into a command line a POSIX shell reads back as args.
func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsFunc(a, func(r rune) bool { return !safeShellRune(r) }) {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// safeShellRune reports whether r needs no quoting in a shell word.
func safeShellRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r)
}

// logf prints a "[certify] " progress line.
func (c *certifier) logf(format string, args ...any) {
	fmt.Fprintf(c.out, "[certify] "+format+"\n", args...)
}

// binaryVersion is the main module's version, or else its VCS revision, from the build info of
// the Go binary at path; "devel" when neither is known or the file is not a Go binary.
func binaryVersion(path string) string {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return "devel"
}

// stateproofVersion is the main module's version from the build info: with make build a
// pseudo-version naming the git revision (suffix +dirty for a modified tree), "devel" when unknown.
func stateproofVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// obeySecondInterrupt waits until ctx is done (the first Ctrl-C, which the suites get as one
// SIGINT and answer by cleaning up), then for a second SIGINT or SIGTERM: it says what is still
// to undo and how, kills the suites' process group and exits with exitIncomplete, without
// waiting for the clean-up.
func (c *certifier) obeySecondInterrupt(ctx context.Context) {
	<-ctx.Done()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	c.mu.Lock()
	client, suites := c.client, c.running
	c.mu.Unlock()
	fmt.Fprintf(c.errOut, "[certify] second interrupt: stopping now, without waiting for the clean-up\n")
	if suites != nil {
		killGroup(suites)
	}
	if client != nil {
		lctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		u := &leftover.Undoer{Client: client}
		if nodes, err := u.Marked(lctx, c.runID); err == nil {
			for _, n := range nodes {
				fmt.Fprintf(c.errOut, "[certify] still to undo: node %s (%s)\n", n.Name, leftover.Describe(&n))
			}
		}
		if list, err := client.Clientset.CoreV1().Namespaces().List(lctx, metav1.ListOptions{LabelSelector: kube.RunLabel + "=" + c.runID}); err == nil {
			for _, ns := range list.Items {
				fmt.Fprintf(c.errOut, "[certify] still to delete: namespace %s\n", ns.Name)
			}
		}
	}
	fmt.Fprintf(c.errOut, "[certify] undo it with: stateproof cleanup --run-id %s --kubeconfig <kubeconfig>\n", c.runID)
	os.Exit(exitIncomplete)
}
