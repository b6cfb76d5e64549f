//go:build e2e

package suites

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/workloads"
)

// deployment is one workload deployed on leased worker nodes for the specs that share it (the
// data-survival specs of one workloads.Group, or a single spec). They run one after the other,
// each with an agent of its own that writes into a data set of its own (workloads.Agent.Own),
// so that each spec keeps its own history, read-back and verdict. The workload is deployed by
// the first spec that needs it, and again after a spec that failed (it may be left broken); its
// namespace is deleted after the last spec. Issue 14: a fresh MySQL or WordPress per fault cost
// more machine time than the fault itself.
type deployment struct {
	w     workloads.Workload
	nodes int  // worker nodes to lease (allNodes: every worker)
	moves bool // its faults move the pod to another node: it runs on the movable class
	s     site // s.ns is "" while nothing is deployed
	d     workloads.Deployment
	// broken says the last spec on it failed, or its deployment did not finish: the next spec
	// deploys the workload again in a new namespace.
	broken bool
	agents int  // agents started on it, to name the next one
	used   bool // a spec has used its lease already (the lease's report entries went to that spec)
}

// shareDeployment declares, in the current Ordered container, one deployment of w on n worker
// nodes that every spec of the container shares (moves: see deployment.moves): the nodes are
// leased before the first spec (BeforeAll) and released after the last one, once the namespace
// is deleted. An Unpinned workload's deployment leases every worker and stays on the class its
// PVCs use.
func shareDeployment(w workloads.Workload, n int, moves bool) *deployment {
	d := newDeployment(w, n, moves)
	BeforeAll(func(ctx SpecContext) { d.lease(ctx) })
	return d
}

// newDeployment is a deployment of w on n worker nodes, not leased yet (see lease).
func newDeployment(w workloads.Workload, n int, moves bool) *deployment {
	if w.Unpinned {
		n, moves = allNodes, false
	}
	return &deployment{w: w, nodes: n, moves: moves}
}

// lease leases the deployment's nodes and registers, to run after the last spec of the node
// that called it (a BeforeAll: the container; a spec: itself), the deletion of the namespace,
// then the nodes' release.
func (d *deployment) lease(ctx context.Context) {
	d.s = leaseSite(ctx, d.nodes, d.moves)
	DeferCleanup(func(ctx context.Context) {
		Expect(d.remove(ctx)).To(Succeed())
	}, NodeTimeout(kube.NamespaceCleanupTimeout))
}

// remove deletes the deployment's namespace, if any, and waits until it is gone (its PVCs and
// PVs released).
func (d *deployment) remove(ctx context.Context) error {
	if d.s.ns == "" {
		return nil
	}
	if err := env.client.DeleteNamespace(ctx, d.s.ns, 3*time.Minute); err != nil {
		return err
	}
	d.s.ns = ""
	return nil
}

// ensure makes the deployment ready for the current spec and returns the pod its faults hit:
// it deploys the workload when nothing is deployed, deploys it again in a new namespace when the
// last spec failed, and otherwise waits for the workload's steady state (every StatefulSet and
// Deployment of its namespace Ready again after the last spec's recovery). When the spec ends it
// records the images its pods ran and, if it failed, saves the diagnostics and marks the
// deployment broken.
func (d *deployment) ensure(ctx SpecContext) faults.Target {
	DeferCleanup(func(ctx context.Context) {
		if d.s.ns == "" {
			return
		}
		recordImages(ctx, d.s.ns)
		if !CurrentSpecReport().Failed() {
			return
		}
		d.broken = true
		for _, ns := range d.namespaces() {
			dir := "diagnostics" // the deployment's namespace; another (the user's) by name
			if ns != d.s.ns {
				dir += "-" + ns
			}
			if err := env.client.SaveDiagnostics(ctx, ns, specArtifacts(dir)); err != nil {
				GinkgoWriter.Printf("saving diagnostics of %s: %v\n", ns, err)
			}
		}
	})
	if d.used { // the first spec got the lease's entries and progress line (leaseNodes)
		leased.mu.Lock()
		leased.nodes = d.s.nodes
		leased.mu.Unlock()
		AddReportEntry("leased nodes", d.s.nodes)
	}
	d.used = true
	if d.s.ns != "" && d.broken {
		By("removing " + d.w.Title + " from " + d.s.ns + ": the last spec on it failed")
		Expect(d.remove(ctx)).To(Succeed())
	}
	if d.s.ns == "" {
		d.deploy(ctx)
	} else {
		By(fmt.Sprintf("reusing %s in %s (deployed by an earlier spec), once it is Ready again", d.w.Title, d.s.ns))
		Expect(steadyState(ctx, d.d.Target, d.s.ns, flags.readyTimeout)).To(Succeed())
		if d.d.Target.Selector != "" { // a Deployment's pod: the last spec's fault may have replaced it
			pod, err := currentPod(ctx, d.d.Target)
			Expect(err).NotTo(HaveOccurred())
			d.d.Target.Pod = pod
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.d.Settings)) {
		AddReportEntry(k, d.d.Settings[k])
	}
	return d.d.Target
}

// namespaces returns the namespaces whose diagnostics a failed spec saves: the deployment's and,
// for an existing StatefulSet, the user's.
func (d *deployment) namespaces() []string {
	if ns := d.d.Target.Namespace; ns != "" && ns != d.s.ns {
		return []string{d.s.ns, ns}
	}
	return []string{d.s.ns}
}

// deploy creates a namespace and deploys the workload in it on the leased nodes and class.
func (d *deployment) deploy(ctx context.Context) {
	GinkgoHelper()
	ns, err := env.client.CreateNamespace(ctx, d.w.Name)
	Expect(err).NotTo(HaveOccurred())
	d.s.ns, d.broken = ns, true // until the workload is Ready
	By("deploying " + d.w.Title + " on StorageClass " + d.s.storageClass + " in " + ns)
	d.d, err = d.w.Deploy(ctx, workloads.Site{
		Client: env.client, Namespace: ns, StorageClass: d.s.storageClass, Nodes: d.s.nodes, Images: env.images, ReadyTimeout: flags.readyTimeout,
	})
	Expect(err).NotTo(HaveOccurred())
	d.broken = false
}

// startAgent starts the current spec's writer on the deployment: a pod of its own, writing into
// a data set of its own (workloads.Agent.Own, named after the namespace and the agent), and
// registers, to run after the spec's fault is recovered, the removal of that data when the
// deployment asks for it (a workload that outlives the spec) and then the pod's deletion.
func (d *deployment) startAgent(ctx context.Context) *agent.Handle {
	d.agents++
	spec := d.d.Agent
	spec.Namespace, spec.Name = d.s.ns, fmt.Sprintf("agent-%d", d.agents)
	if d.w.Agent.Own != nil {
		suffix := fmt.Sprintf("%s_%d", d.s.ns[strings.LastIndexByte(d.s.ns, '-')+1:], d.agents)
		own := d.w.Agent.Own(env.client.RunID, suffix)
		spec.Args = append(slices.Clone(spec.Args), own...)
		AddReportEntry("agent store", strings.Join(own, " "))
	}
	a := startAgent(ctx, spec)
	DeferCleanup(func(ctx context.Context) {
		err := env.client.Clientset.CoreV1().Pods(spec.Namespace).Delete(ctx, spec.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			GinkgoWriter.Printf("deleting agent pod %s/%s: %v\n", spec.Namespace, spec.Name, err)
		}
	})
	if d.d.RemoveData {
		// Registered before the fault's recovery (clean-ups run last registered first): it
		// runs after the recovery, while the agent and the workload are still there.
		DeferCleanup(func(ctx context.Context) {
			Expect(a.Remove(ctx)).To(Succeed(), "the agent removing its data from %s", d.d.Target)
		}, NodeTimeout(agent.ReadBackTimeout+time.Minute))
	}
	return a
}

// steadyState waits up to timeout until the workload of target is Ready again: in ns, the
// namespace the harness deployed it in, every StatefulSet and Deployment; for an existing
// StatefulSet (target in another namespace, the user's), the target pod's own StatefulSet. The
// error names what is not Ready.
func steadyState(ctx context.Context, target faults.Target, ns string, timeout time.Duration) error {
	if target.Namespace != ns {
		pod, err := env.client.Clientset.CoreV1().Pods(target.Namespace).Get(ctx, target.Pod, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("steady state: %w", err)
		}
		owner := metav1.GetControllerOf(pod)
		if owner == nil || owner.Kind != "StatefulSet" {
			return fmt.Errorf("steady state: pod %s has no StatefulSet controller", target)
		}
		return env.client.WaitStatefulSetReady(ctx, target.Namespace, owner.Name, timeout)
	}
	sets, err := env.client.Clientset.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("steady state: list StatefulSets of %s: %w", ns, err)
	}
	for _, s := range sets.Items {
		if err := env.client.WaitStatefulSetReady(ctx, ns, s.Name, timeout); err != nil {
			return err
		}
	}
	deps, err := env.client.Clientset.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("steady state: list Deployments of %s: %w", ns, err)
	}
	for _, dep := range deps.Items {
		if err := env.client.WaitDeploymentReady(ctx, ns, dep.Name, timeout); err != nil {
			return err
		}
	}
	return nil
}

// currentPod returns the name of the Ready pod, not being deleted, that target's Selector
// matches in its namespace: a Deployment's pod, whose name changes when it is replaced. The
// error says how many matched.
func currentPod(ctx context.Context, target faults.Target) (string, error) {
	pods, err := env.client.Clientset.CoreV1().Pods(target.Namespace).List(ctx, metav1.ListOptions{LabelSelector: target.Selector})
	if err != nil {
		return "", fmt.Errorf("list the pods of %s matching %s: %w", target.Namespace, target.Selector, err)
	}
	var ready []string
	for _, p := range pods.Items {
		if kube.PodReady(&p) && p.DeletionTimestamp == nil {
			ready = append(ready, p.Name)
		}
	}
	if len(ready) != 1 {
		return "", fmt.Errorf("%d Ready pods of %s match %s (%v), want 1", len(ready), target.Namespace, target.Selector, ready)
	}
	return ready[0], nil
}
