// Package drain is the node-drain fault: cordon the node of a target pod and evict its pods
// through the Eviction API, exactly as `kubectl drain` does
// (https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/), so that
// PodDisruptionBudgets are honoured; Recover uncordons the node. Every Eviction API call and
// its answer (201 evicted, 429 refused by a PodDisruptionBudget) is recorded.
package drain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	kdrain "k8s.io/kubectl/pkg/drain"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
)

// Defaults for the zero values of Fault's durations.
const (
	// DefaultTimeout bounds a whole drain (cordon, evictions, waiting for the pods to be gone).
	DefaultTimeout = 5 * time.Minute
	// DefaultRetryDelay is the pause before retrying an eviction a PodDisruptionBudget refused
	// with 429 (kubectl drain itself waits 5 s, k8s.io/kubectl/pkg/cmd/drain; shorter here so
	// that a PodDisruptionBudget that becomes satisfiable is seen sooner).
	DefaultRetryDelay = 2 * time.Second
)

// Fault drains the node the target pod runs on. Use one Fault per injection; its methods are
// safe to call from several goroutines (Evictions while Inject runs, Recover after a cancelled
// Inject).
type Fault struct {
	// Client is the cluster's client; Inject builds its own clientset from a copy of
	// Client.Config (to record the Eviction API calls) and uses Client.Clientset for the rest.
	Client *kube.Client
	// Timeout bounds the whole drain: cordon, evictions (including retries refused with 429)
	// and the wait for the evicted pods to be gone. 0 means DefaultTimeout (5 min).
	Timeout time.Duration
	// RetryDelay is the pause between evictions of a pod refused with 429 Too Many Requests
	// (a PodDisruptionBudget allowing no disruption now). 0 means DefaultRetryDelay (2 s).
	RetryDelay time.Duration
	// Protected lists label selectors (e.g. "app.kubernetes.io/name=stateproof-agent") of pods
	// whose node must never be drained: the harness's in-cluster writer and observer. Inject
	// refuses a node running any pod, in any namespace, that matches one.
	Protected []string
	// Log receives the drain's progress lines (cordon, each eviction, retries, uncordon).
	// nil means io.Discard. Writes are serialized.
	Log io.Writer

	mu       sync.Mutex
	rec      *recorder // Eviction API calls of the latest Inject
	cordoned []string  // nodes Inject cordoned and Recover has not uncordoned yet
	log      *syncWriter
}

// Name returns "node-drain".
func (f *Fault) Name() string { return Name }

// Available returns nil when the API server serves the pods/eviction subresource (found through
// discovery by kubectl's drain.CheckEvictionSupport), else an error saying why: node-drain
// never falls back to deleting pods.
func (f *Fault) Available(context.Context) error {
	if f.Client == nil || f.Client.Clientset == nil {
		return errors.New("node-drain: no Kubernetes client (Fault.Client is nil)")
	}
	gv, err := kdrain.CheckEvictionSupport(f.Client.Clientset)
	if err != nil {
		return fmt.Errorf("node-drain: discover the pods/eviction subresource: %w", err)
	}
	if gv.Empty() {
		return errors.New("node-drain: the API server does not serve the pods/eviction subresource (policy/v1 Eviction), and node-drain does not fall back to deleting pods")
	}
	return nil
}

// Evictions returns a copy of the Eviction API calls of the latest (possibly still running)
// Inject, in the order their answers arrived; nil before any Inject. It is safe to call while
// Inject runs in another goroutine, to watch a drain that PodDisruptionBudgets keep refusing.
func (f *Fault) Evictions() []faults.Eviction {
	f.mu.Lock()
	rec := f.rec
	f.mu.Unlock()
	return rec.snapshot()
}

func (f *Fault) logf(format string, args ...any) {
	fmt.Fprintf(f.logWriter(), "node-drain: "+format+"\n", args...)
}

// logWriter returns the serialized progress log, shared by Fault and the drain helper's Out
// and ErrOut (the helper locks each of those separately).
func (f *Fault) logWriter() io.Writer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.log == nil {
		w := f.Log
		if w == nil {
			w = io.Discard
		}
		f.log = &syncWriter{w: w}
	}
	return f.log
}

// Inject drains the node the target pod runs on:
//  1. it gets the pod and its node (spec.nodeName) and checks the node with CheckNode, refusing
//     (an error wrapping ErrRefused, nothing cordoned) a control-plane node or one running a
//     Protected pod; it also refuses when the API server does not serve pods/eviction;
//  2. it cordons the node (spec.unschedulable=true, kubectl's drain.RunCordonOrUncordon);
//  3. it evicts every pod of the node through the Eviction API and waits until they are gone
//     (kubectl's drain.RunNodeDrain with Force false, the pods' own grace periods, DaemonSet
//     pods ignored, emptyDir pods evicted), retrying evictions refused with 429 every
//     RetryDelay, all within Timeout.
//
// The injection records Start (just before the cordon), End (when the drain returned),
// Observed["node"], Observed["evicted"] (comma-separated, sorted "namespace/name" of the pods
// evicted and gone) and Evictions (every Eviction API call with its HTTP status). If the drain
// fails, times out or ctx is cancelled, Inject returns the injection so far and an error naming
// the node; the node stays cordoned until Recover.
func (f *Fault) Inject(ctx context.Context, t faults.Target) (faults.Injection, error) {
	inj := faults.Injection{Fault: f.Name(), Target: t.String(), Observed: map[string]string{}}
	if f.Client == nil || f.Client.Clientset == nil || f.Client.Config == nil {
		return inj, fmt.Errorf("%s: no Kubernetes client (Fault.Client with Config and Clientset is required)", f.Name())
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	retry := f.RetryDelay
	if retry <= 0 {
		retry = DefaultRetryDelay
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	pod, err := f.Client.Clientset.CoreV1().Pods(t.Namespace).Get(ctx, t.Pod, metav1.GetOptions{})
	if err != nil {
		return inj, fmt.Errorf("%s: get pod %s: %w", f.Name(), t, err)
	}
	nodeName := pod.Spec.NodeName
	if nodeName == "" {
		return inj, fmt.Errorf("%s: pod %s is not scheduled to a node (spec.nodeName empty, phase %s); nothing to drain", f.Name(), t, pod.Status.Phase)
	}
	node, err := CheckNode(ctx, f.Client.Clientset, nodeName, f.Protected)
	if err != nil {
		return inj, fmt.Errorf("%s: drain node %q of pod %s: %w", f.Name(), nodeName, t, err)
	}

	rec := &recorder{}
	cs, err := recordingClientset(f.Client.Config, rec)
	if err != nil {
		return inj, fmt.Errorf("%s: drain node %q: build recording client: %w", f.Name(), nodeName, err)
	}
	gv, err := kdrain.CheckEvictionSupport(cs)
	if err != nil {
		return inj, fmt.Errorf("%s: drain node %q: discover the pods/eviction subresource: %w", f.Name(), nodeName, err)
	}
	if gv.Empty() {
		return inj, fmt.Errorf("%s: drain node %q: the API server does not serve pods/eviction; refusing to drain by plain deletes", f.Name(), nodeName)
	}

	log := f.logWriter()
	var evictedMu sync.Mutex
	var evicted []string
	helper := &kdrain.Helper{
		Ctx:                  ctx,
		Client:               cs,
		Force:                false,
		GracePeriodSeconds:   -1, // each pod's terminationGracePeriodSeconds
		IgnoreAllDaemonSets:  true,
		DeleteEmptyDirData:   true,
		Timeout:              timeout,
		DisableEviction:      false,
		EvictErrorRetryDelay: retry,
		Out:                  log,
		ErrOut:               log,
		OnPodDeletionOrEvictionFinished: func(p *corev1.Pod, usingEviction bool, err error) {
			if err != nil {
				f.logf("pod %s/%s: waiting for it to be gone failed: %v", p.Namespace, p.Name, err)
				return
			}
			f.logf("pod %s/%s evicted and gone", p.Namespace, p.Name)
			evictedMu.Lock()
			evicted = append(evicted, p.Namespace+"/"+p.Name)
			evictedMu.Unlock()
		},
	}

	f.mu.Lock()
	f.rec = rec
	if !node.Spec.Unschedulable && !slices.Contains(f.cordoned, nodeName) {
		// Remembered before the cordon: should the call fail after the API server applied it,
		// Recover still uncordons (a no-op on a schedulable node).
		f.cordoned = append(f.cordoned, nodeName)
	}
	f.mu.Unlock()
	if node.Spec.Unschedulable {
		f.logf("node %s was already cordoned; Recover will leave it so", nodeName)
	}

	inj.Start = time.Now()
	inj.Observed["node"] = nodeName
	finish := func(err error) (faults.Injection, error) {
		inj.End = time.Now()
		evictedMu.Lock()
		list := slices.Clone(evicted)
		evictedMu.Unlock()
		slices.Sort(list)
		inj.Observed["evicted"] = strings.Join(list, ",")
		inj.Evictions = rec.snapshot()
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (context: %v; Timeout %s)", err, context.Cause(ctx), timeout)
		}
		return inj, err
	}
	f.logf("cordoning node %s", nodeName)
	if err := kdrain.RunCordonOrUncordon(helper, node, true); err != nil {
		return finish(fmt.Errorf("%s: cordon node %q: %w", f.Name(), nodeName, err))
	}
	f.logf("draining node %s (timeout %s, retry delay %s)", nodeName, timeout, retry)
	if err := kdrain.RunNodeDrain(helper, nodeName); err != nil {
		return finish(fmt.Errorf("%s: drain node %q: %w", f.Name(), nodeName, err))
	}
	f.logf("node %s drained", nodeName)
	return finish(nil)
}

// recordingClientset builds a clientset from a copy of cfg whose transport records every
// Eviction API call into rec and refuses plain pod deletes.
func recordingClientset(cfg *rest.Config, rec *recorder) (kubernetes.Interface, error) {
	c := rest.CopyConfig(cfg)
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &recordingTransport{next: rt, rec: rec}
	})
	return kubernetes.NewForConfig(c)
}

// Recover uncordons (spec.unschedulable=false, kubectl's drain.RunCordonOrUncordon) every node
// Inject cordoned. It is a no-op when Inject cordoned nothing (it never got that far, or the
// node was already cordoned before), and idempotent: a node uncordoned once is forgotten, and a
// node deleted meanwhile is nothing to undo. The error names each node it could not uncordon;
// those stay for the next Recover.
func (f *Fault) Recover(ctx context.Context) error {
	f.mu.Lock()
	nodes := slices.Clone(f.cordoned)
	f.mu.Unlock()
	if len(nodes) == 0 {
		return nil
	}
	if f.Client == nil || f.Client.Clientset == nil {
		return fmt.Errorf("%s: uncordon nodes %v: no Kubernetes client (Fault.Client is nil)", f.Name(), nodes)
	}
	var errs []error
	for _, name := range nodes {
		err := f.uncordon(ctx, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: uncordon node %q: %w", f.Name(), name, err))
			continue
		}
		f.mu.Lock()
		f.cordoned = slices.DeleteFunc(f.cordoned, func(n string) bool { return n == name })
		f.mu.Unlock()
	}
	return errors.Join(errs...)
}

func (f *Fault) uncordon(ctx context.Context, name string) error {
	node, err := f.Client.Clientset.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		f.logf("node %s is gone; nothing to uncordon", name)
		return nil
	}
	if err != nil {
		return err
	}
	h := &kdrain.Helper{Ctx: ctx, Client: f.Client.Clientset, Out: f.logWriter(), ErrOut: f.logWriter()}
	if err := kdrain.RunCordonOrUncordon(h, node, false); err != nil {
		return err
	}
	f.logf("uncordoned node %s", name)
	return nil
}
