//go:build e2e

package suites

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/kube/lease"
	"github.com/stateproof/stateproof/fixtures/platform/images"
	"github.com/stateproof/stateproof/fixtures/workloads"
	"github.com/stateproof/stateproof/suites/judge"
	"github.com/stateproof/stateproof/suites/record"
)

// environment is what every spec shares: the cluster client, the image references and the
// run's settings.
type environment struct {
	client *kube.Client
	images images.Set
	// pool hands out the worker nodes to the specs running at the same time.
	pool *lease.Pool
}

func newEnvironment(ctx context.Context) (*environment, error) {
	if flags.imagesFile == "" {
		return nil, fmt.Errorf("no --images-file: run the suites with `make e2e` or `make test-e2e`")
	}
	e := &environment{}
	var err error
	if e.images, err = images.ReadSetFile(flags.imagesFile); err != nil {
		return nil, err
	}
	if missing := e.images.Missing(workloads.Images()); len(missing) > 0 {
		return nil, fmt.Errorf("image references %s lack the workload images %v (written before those workloads were added): run `make images` again", flags.imagesFile, missing)
	}
	if e.client, err = kube.Connect(ctx, flags.kubeconfig, flags.kubeContext); err != nil {
		return nil, err
	}
	e.client.RunID = flags.runID
	for _, class := range []string{flags.storageClass, flags.movableStorageClass} {
		if class == "" {
			continue
		}
		if err := e.client.StorageClassExists(ctx, class); err != nil {
			return nil, err
		}
	}
	if e.pool, err = newPool(ctx, e.client); err != nil {
		return nil, err
	}
	return e, nil
}

// namespace creates a fresh namespace for the current spec (newSite leases its nodes first)
// and registers its clean-up: on failure the pods' logs and the events are saved under the
// artifacts folder first; the namespace is always deleted.
func namespace(ctx context.Context, suite string) string {
	ns, err := env.client.CreateNamespace(ctx, suite)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		recordImages(ctx, ns)
		if CurrentSpecReport().Failed() {
			dir := specArtifacts("diagnostics")
			if err := env.client.SaveDiagnostics(ctx, ns, dir); err != nil {
				GinkgoWriter.Printf("saving diagnostics of %s: %v\n", ns, err)
			}
		}
		Expect(env.client.DeleteNamespace(ctx, ns, 3*time.Minute)).To(Succeed())
	}, NodeTimeout(kube.NamespaceCleanupTimeout))
	return ns
}

// recordImages adds to the spec's record every image the pods of ns ran, with the image ID
// their kubelets reported (status.containerStatuses[].imageID). A failure to list is logged:
// the images are evidence, not a verdict.
func recordImages(ctx context.Context, ns string) {
	pods, err := env.client.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		GinkgoWriter.Printf("listing the pods of %s for their images: %v\n", ns, err)
		return
	}
	var images []record.Image
	for _, p := range pods.Items {
		for _, c := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			if c.ImageID != "" && !slices.Contains(images, record.Image{Image: c.Image, ImageID: c.ImageID}) {
				images = append(images, record.Image{Image: c.Image, ImageID: c.ImageID})
			}
		}
	}
	recorded(func(r *record.Spec) { r.Images = append(r.Images, images...) })
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// specArtifacts returns (and creates) the current spec's artifacts folder plus sub.
func specArtifacts(sub string) string {
	dir := filepath.Join(specDir(CurrentSpecReport().FullText()), sub)
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	return dir
}

// specDir is the artifacts folder of the spec with full text name: the name with every run of
// characters other than letters, digits, '.', '_' and '-' replaced by '-'.
func specDir(name string) string {
	return filepath.Join(flags.artifacts, strings.Trim(unsafeChars.ReplaceAllString(name, "-"), "-"))
}

// identity reads a StatefulSet pod's identity: name, hostname, IP, PVC of the claim template and
// the UID of the PV bound to it.
func identity(ctx context.Context, ns, pod, claimTemplate string) judge.Identity {
	return readIdentity(ctx, Default, ns, pod, claimTemplate)
}

// readIdentity is identity asserting with g (inside Eventually, a failed read is retried).
func readIdentity(ctx context.Context, g Gomega, ns, pod, claimTemplate string) judge.Identity {
	p, err := env.client.Clientset.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	id := judge.Identity{PodName: p.Name, Hostname: p.Spec.Hostname, PodUID: string(p.UID), Node: p.Spec.NodeName, PodIP: p.Status.PodIP}
	for _, v := range p.Spec.Volumes {
		if v.Name == claimTemplate && v.PersistentVolumeClaim != nil {
			id.PVCName = v.PersistentVolumeClaim.ClaimName
		}
	}
	g.Expect(id.PVCName).NotTo(BeEmpty(), "pod %s/%s has no volume %q", ns, pod, claimTemplate)
	pvc, err := env.client.Clientset.CoreV1().PersistentVolumeClaims(ns).Get(ctx, id.PVCName, metav1.GetOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	pv, err := env.client.Clientset.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	g.Expect(err).NotTo(HaveOccurred(), "PV of PVC %s/%s", ns, id.PVCName)
	id.PVUID = string(pv.UID)
	return id
}
