//go:build e2e

package suites

import (
	"context"
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/faults/nodefailure"
	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/suites/labels"
)

var _ = Describe("Faults", Label(labels.Safety), func() {
	// The control-plane node runs the API server and the in-cluster agent that records the
	// workload's history: a fault there would blind the harness, so faults refuse it and leave
	// the node untouched.
	It("refuse to drain or fail the control-plane node", Serial, Label(labels.Disruptive), func(ctx SpecContext) {
		leaseNodes(ctx, allNodes) // no other run's fault may be under way while the nodes are checked
		target := controlPlanePod(ctx)
		for _, f := range []faults.Fault{
			newDrain(),
			killNode(),
		} {
			By(f.Name() + " on the node of " + target.String())
			// Undone should the refusal ever break.
			DeferCleanup(f.(faults.Recoverer).Recover, NodeTimeout(faults.RecoverTimeout))
			_, err := f.Inject(ctx, target)
			Expect(errors.Is(err, faults.ErrRefused)).To(BeTrue(), "%s on the control-plane was not refused: %v", f.Name(), err)
		}
		Expect(env.client.WaitNodesHealthy(ctx, 30*time.Second)).To(Succeed(), "a refused fault changed a node")
	})
})

// killNode is the registered node kill recovered by the node's return.
var _, _, killNode = registered(nodefailure.Name(nodefailure.Kill), string(nodefailure.NodeReturns))

// controlPlanePod returns a kube-system pod that runs on a control-plane node.
func controlPlanePod(ctx context.Context) faults.Target {
	nodes, err := env.client.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: kube.LabelControlPlane})
	Expect(err).NotTo(HaveOccurred())
	Expect(nodes.Items).NotTo(BeEmpty(), "no node labelled %s", kube.LabelControlPlane)
	pods, err := env.client.Clientset.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + nodes.Items[0].Name})
	Expect(err).NotTo(HaveOccurred())
	Expect(pods.Items).NotTo(BeEmpty(), "no kube-system pod on %s", nodes.Items[0].Name)
	return faults.Target{Namespace: "kube-system", Pod: pods.Items[0].Name}
}
