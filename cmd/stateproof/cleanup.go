package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/faults/leftover"
	"github.com/stateproof/stateproof/faults/nodefailure"
	"github.com/stateproof/stateproof/fixtures/kube"
)

const cleanupLong = `Undo what a killed or interrupted run left on a cluster: the faults on its nodes and its
namespaces. Before a fault touches a node (cordon, out-of-service taint, stop, kill, pause) the
suites label it stateproof.io/fault-run=<run id>, and remove the label once the node is healthy
again; every namespace a run creates carries stateproof.io/run=<run id>. stateproof certify
undoes its own run's leftovers when the suites exit, even when they were killed; this command
is for a certify that was killed itself, or for make e2e runs.

For each labelled node: start or unpause its kind node container when it is down (only a
container of this kind cluster, matched by the whole providerID), uncordon it, remove the
out-of-service taint, wait until it is Ready and healthy, and remove the label. Then delete the
run's namespaces (with --all: every namespace labelled app.kubernetes.io/managed-by=stateproof).

Exit codes:
  0  nothing is left (or was undone)
  1  something could not be undone (each is named)
  2  bad usage: neither or both of --run-id and --all, unreachable cluster`

func newCleanupCommand() *cobra.Command {
	var runID, kubeconfig, kubeContext string
	var all bool
	var readyTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "cleanup (--run-id ID | --all)",
		Short: "Undo the node faults and delete the namespaces a killed run left",
		Long:  cleanupLong,
		Example: `  stateproof cleanup --run-id 4kq9xz7m2p
  stateproof cleanup --all --kubeconfig ~/.kube/config --context prod-storage`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (runID != "") == all {
				return usageError{errors.New("give either --run-id ID (the run's id: certify prints \"run <id>: ...\") or --all, not both or neither")}
			}
			client, err := kube.Connect(cmd.Context(), kubeconfig, kubeContext)
			if err != nil {
				return usageError{err}
			}
			if all {
				runID = ""
			}
			return cleanupRun(cmd.Context(), cmd.OutOrStdout(), client, runID, readyTimeout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&runID, "run-id", "", "the run whose leftovers to undo")
	f.BoolVar(&all, "all", false, "undo every run's leftovers")
	f.StringVar(&kubeconfig, "kubeconfig", envOr("KUBECONFIG_OUT", "_build/kubeconfig"), "kubeconfig of the cluster (env KUBECONFIG_OUT; default: the project's kind cluster)")
	f.StringVar(&kubeContext, "context", "", "kubeconfig context (default: the current one)")
	f.DurationVar(&readyTimeout, "ready-timeout", 5*time.Minute, "how long each node may take to be Ready and healthy again")
	return cmd
}

// cleanupRun undoes the node faults of run runID ("" for every run) and deletes its namespaces,
// logging each step to out. The error names what could not be undone.
func cleanupRun(ctx context.Context, out io.Writer, client *kube.Client, runID string, readyTimeout time.Duration) error {
	logf := func(format string, args ...any) { fmt.Fprintf(out, "[cleanup] "+format+"\n", args...) }
	nodesErr := undoNodes(ctx, client, runID, readyTimeout, logf)
	sel := kube.ManagedByLabel + "=stateproof"
	if runID != "" {
		sel = kube.RunLabel + "=" + runID
	}
	list, err := client.Clientset.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return errors.Join(nodesErr, fmt.Errorf("list the namespaces labelled %s: %w", sel, err))
	}
	var errs []error
	for _, ns := range list.Items {
		if err := client.DeleteNamespace(ctx, ns.Name, kube.NamespaceCleanupTimeout); err != nil {
			errs = append(errs, fmt.Errorf("namespace %s: %w", ns.Name, err))
			continue
		}
		logf("deleted namespace %s", ns.Name)
	}
	if len(list.Items) == 0 {
		logf("no namespace labelled %s left", sel)
	}
	return errors.Join(nodesErr, errors.Join(errs...))
}

// undoNodes undoes, on the nodes labelled with run runID ("" for every run), what a fault left
// (leftover.Undoer, kind node containers restored by nodefailure.RestoreNode), logging with
// logf. The error names each node that is still not healthy.
func undoNodes(ctx context.Context, client *kube.Client, runID string, readyTimeout time.Duration, logf func(string, ...any)) error {
	u := &leftover.Undoer{Client: client, RestoreNode: nodefailure.RestoreNode, ReadyTimeout: readyTimeout, Logf: logf}
	undone, err := u.Undo(ctx, runID)
	if len(undone) == 0 && err == nil {
		logf("no node labelled %s: no fault left", leftover.Selector(runID))
	}
	return err
}
