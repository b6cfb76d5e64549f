package drain

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
)

// fakeAPIServer answers the handful of API calls a drain of node "worker" running pod
// db/mysql-0 makes. Its eviction endpoint refuses the first refusals calls with 429 (a
// PodDisruptionBudget allowing no disruption), then evicts (201); refusals < 0 refuses forever.
type fakeAPIServer struct {
	t         *testing.T
	refusals  int
	mu        sync.Mutex
	evicted   bool
	cordoned  bool
	evictions int
}

func (s *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	write := func(code int, obj any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(obj)
	}
	status := func(code int, reason metav1.StatusReason, msg string) {
		write(code, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status: metav1.StatusFailure, Code: int32(code), Reason: reason, Message: msg})
	}
	node := func() *corev1.Node {
		return &corev1.Node{TypeMeta: metav1.TypeMeta{Kind: "Node", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Name: "worker"}, Spec: corev1.NodeSpec{Unschedulable: s.cordoned}}
	}
	pod := &corev1.Pod{TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "db", Name: "mysql-0", UID: "uid-1",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "mysql", UID: "sts", Controller: new(true)}}},
		Spec:   corev1.PodSpec{NodeName: "worker"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}

	switch p := r.Method + " " + r.URL.Path; p {
	case "GET /api/v1":
		write(200, &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "v1",
			APIResources: []metav1.APIResource{
				{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: []string{"get", "list", "delete"}},
				{Name: "pods/eviction", Kind: "Eviction", Group: "policy", Version: "v1", Namespaced: true, Verbs: []string{"create"}},
			}})
	case "GET /api/v1/nodes/worker":
		write(200, node())
	case "PATCH /api/v1/nodes/worker":
		body, _ := io.ReadAll(r.Body)
		s.cordoned = bytes.Contains(body, []byte(`"unschedulable":true`))
		write(200, node())
	case "GET /api/v1/namespaces/db/pods/mysql-0":
		if s.evicted {
			status(404, metav1.StatusReasonNotFound, `pods "mysql-0" not found`)
			return
		}
		write(200, pod)
	case "GET /api/v1/pods":
		list := &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}}
		if r.URL.Query().Get("labelSelector") == "" && !s.evicted { // the drain's listing, not the protected check
			list.Items = append(list.Items, *pod)
		}
		write(200, list)
	case "POST /api/v1/namespaces/db/pods/mysql-0/eviction":
		s.evictions++
		if s.refusals < 0 || s.evictions <= s.refusals {
			status(429, metav1.StatusReasonTooManyRequests, "Cannot evict pod as it would violate the pod's disruption budget.")
			return
		}
		s.evicted = true
		write(201, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusSuccess, Code: 201})
	default:
		s.t.Errorf("unexpected API call %s", p)
		status(404, metav1.StatusReasonNotFound, "not served by the fake")
	}
}

func newFakeCluster(t *testing.T, refusals int) (*fakeAPIServer, *kube.Client) {
	s := &fakeAPIServer{t: t, refusals: refusals}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := &rest.Config{Host: srv.URL}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, &kube.Client{Config: cfg, Clientset: cs}
}

func TestInjectEvictsThroughPDBRefusals(t *testing.T) {
	s, client := newFakeCluster(t, 2)
	var log strings.Builder
	f := &Fault{Client: client, RetryDelay: 10 * time.Millisecond, Timeout: 30 * time.Second,
		Protected: []string{"app.kubernetes.io/name=stateproof-agent"}, Log: &syncWriter{w: &log}}
	if err := f.Available(context.Background()); err != nil {
		t.Fatalf("Available: %v", err)
	}
	inj, err := f.Inject(context.Background(), faults.Target{Namespace: "db", Pod: "mysql-0"})
	if err != nil {
		t.Fatalf("Inject: %v\nlog:\n%s", err, log.String())
	}
	if inj.Observed["node"] != "worker" || inj.Observed["evicted"] != "db/mysql-0" {
		t.Errorf("Observed = %v, want node worker, evicted db/mysql-0", inj.Observed)
	}
	if inj.Start.IsZero() || inj.End.Before(inj.Start) {
		t.Errorf("Start %v End %v", inj.Start, inj.End)
	}
	var codes []int
	for _, e := range inj.Evictions {
		if e.Pod != "db/mysql-0" {
			t.Errorf("eviction of %q, want db/mysql-0", e.Pod)
		}
		codes = append(codes, e.Code)
	}
	if len(codes) != 3 || codes[0] != 429 || codes[1] != 429 || codes[2] != 201 {
		t.Errorf("eviction codes = %v, want [429 429 201]", codes)
	}
	if !s.cordoned {
		t.Error("node not cordoned after Inject")
	}
	if err := f.Recover(context.Background()); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if s.cordoned {
		t.Error("node still cordoned after Recover")
	}
	if err := f.Recover(context.Background()); err != nil {
		t.Errorf("second Recover: %v", err)
	}
}

func TestInjectBlockedDrainTimesOut(t *testing.T) {
	s, client := newFakeCluster(t, -1)
	f := &Fault{Client: client, RetryDelay: 20 * time.Millisecond, Timeout: 1500 * time.Millisecond}
	type result struct {
		inj faults.Injection
		err error
	}
	done := make(chan result, 1)
	go func() {
		inj, err := f.Inject(context.Background(), faults.Target{Namespace: "db", Pod: "mysql-0"})
		done <- result{inj, err}
	}()
	// Poll the live record while the drain is blocked.
	deadline := time.After(10 * time.Second)
	for refused := 0; refused < 3; {
		select {
		case <-deadline:
			t.Fatalf("no 3 refusals seen live: %v", f.Evictions())
		case <-time.After(10 * time.Millisecond):
		}
		refused = 0
		for _, e := range f.Evictions() {
			if e.Refused() {
				refused++
			}
		}
	}
	r := <-done
	if r.err == nil || !strings.Contains(r.err.Error(), `drain node "worker"`) {
		t.Fatalf("blocked drain: err = %v, want an error naming node worker", r.err)
	}
	if len(r.inj.Evictions) < 3 || r.inj.Observed["evicted"] != "" || r.inj.Observed["node"] != "worker" {
		t.Errorf("injection of the blocked drain = %+v", r.inj)
	}
	for _, e := range r.inj.Evictions {
		if !e.Refused() {
			t.Errorf("eviction %+v, want all refused", e)
		}
	}
	if err := f.Recover(context.Background()); err != nil || s.cordoned {
		t.Errorf("Recover after a failed drain: err %v, cordoned %v", err, s.cordoned)
	}
}

func TestInjectCancelled(t *testing.T) {
	_, client := newFakeCluster(t, -1)
	f := &Fault{Client: client, RetryDelay: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := f.Inject(ctx, faults.Target{Namespace: "db", Pod: "mysql-0"})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("cancelled Inject: err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled Inject returned after %s", d)
	}
	if err := f.Recover(context.Background()); err != nil {
		t.Errorf("Recover: %v", err)
	}
}
