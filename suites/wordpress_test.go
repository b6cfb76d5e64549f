//go:build e2e

package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/traffic/agent"
	"github.com/stateproof/stateproof/fixtures/workloads/mysql"
	"github.com/stateproof/stateproof/fixtures/workloads/wordpress"
)

// Tiers of the WordPress + MySQL pair a fault can hit.
const (
	tierWordPress = "WordPress"
	tierMySQL     = "MySQL"
)

// wordpressWorkload is the WordPress + MySQL pair as the data-survival table runs it, deployed
// with p (namespace, nodes and class are filled in) and with the faults on tier: the writer publishes 5
// posts/s over XML-RPC, every 10th a media upload, and the read-back compares each post's content
// and each media file's bytes. With the faults on the MySQL tier WordPress must reconnect to
// MySQL wherever it comes back. p.ContentOnEmptyDir is the negative control.
func wordpressWorkload(tier string, p wordpress.Params) workload {
	w := workload{
		name: "wordpress", title: "WordPress + MySQL (faults on the " + tier + " tier)",
		nodes: 2, uniqueKinds: wordpress.UniqueKinds, // the tiers never share a node
		// 50 posts at 5/s (10 s), 5 of them with a media file: enough that a lost volume of
		// either tier shows (the emptyDir control loses every media file).
		minAcked: 50,
	}
	if p.ContentOnEmptyDir {
		w.title = "WordPress with wp-content on an emptyDir"
	}
	if tier == tierMySQL {
		w.claimTemplate = mysql.ClaimTemplate
	}
	w.deploy = func(ctx SpecContext, s site) (faults.Target, func() *agent.Handle) {
		d := deployWordPress(ctx, s, p)
		target := faults.Target{Namespace: s.ns, Pod: mysql.PodName(0)}
		if tier == tierWordPress {
			target = faults.Target{Namespace: s.ns, Pod: wordpressPod(ctx, s.ns), Selector: wordpress.Selector}
		}
		return target, func() *agent.Handle { return startWordPressAgent(ctx, d) }
	}
	return w
}

var _ = Describe("Data survival", func() {
	dataSurvivalTable(wordpressWorkload(tierWordPress, wordpress.Params{}), nil)
	// The MySQL tier alone is the MySQL workload's table; here it proves WordPress reconnects
	// after MySQL was deleted, restarted or moved, or its node drained.
	dataSurvivalTable(wordpressWorkload(tierMySQL, wordpress.Params{}), func(c faultCase) bool {
		return c.fault == "pod-delete" || c.fault == "node-failure-kill" || c.fault == "node-drain"
	})
})

// deployWordPress deploys MySQL and WordPress with p on s (its namespace, nodes and
// StorageClass).
func deployWordPress(ctx SpecContext, s site, p wordpress.Params) *wordpress.Deployment {
	By("deploying WordPress + MySQL on StorageClass " + s.storageClass)
	p.Namespace, p.StorageClass, p.Nodes = s.ns, s.storageClass, s.nodes
	p.Image, p.MySQLImage = env.images.WordPress, env.images.MySQL
	d, err := wordpress.Deploy(ctx, env.client, p, flags.readyTimeout)
	Expect(err).NotTo(HaveOccurred())
	return d
}

// wordpressPod returns the name of the WordPress Deployment's running pod.
func wordpressPod(ctx context.Context, ns string) string {
	pods, err := env.client.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: wordpress.Selector})
	Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	Expect(names).To(HaveLen(1), "want exactly one WordPress pod in %s", ns)
	return names[0]
}

// startWordPressAgent starts the in-cluster writer against the site's Service URL, at 5
// operations/s; its set-up installs WordPress through that URL.
func startWordPressAgent(ctx SpecContext, d *wordpress.Deployment) *agent.Handle {
	return startAgent(ctx, agent.PodSpec{
		Namespace: d.Namespace, Name: "agent",
		Args:   []string{"wordpress", "--url", d.URL(), "--rate", "5"},
		Secret: wordpress.Secret, SecretKey: "password",
	})
}
