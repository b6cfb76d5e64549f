package drain

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
)

// The fault satisfies both interfaces.
var (
	_ faults.Fault     = (*Fault)(nil)
	_ faults.Recoverer = (*Fault)(nil)
)

func TestRegisteredAndNamed(t *testing.T) {
	if got := (&Fault{}).Name(); got != "node-drain" {
		t.Errorf("Name() = %q, want node-drain", got)
	}
}

func TestEvictionPod(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         string // "" = not recorded
	}{
		{"POST", "/api/v1/namespaces/db/pods/mysql-0/eviction", "db/mysql-0"},
		{"POST", "/api/v1/namespaces/db/pods/mysql-0/eviction/", "db/mysql-0"},
		{"POST", "/k8s/clusters/c-1/api/v1/namespaces/db/pods/mysql-0/eviction", "db/mysql-0"},
		{"GET", "/api/v1/namespaces/db/pods/mysql-0", ""},
		{"GET", "/api/v1/namespaces/db/pods/mysql-0/eviction", ""},
		{"POST", "/api/v1/namespaces/db/pods", ""},
		{"POST", "/api/v1/namespaces/db/pods/mysql-0/binding", ""},
		{"GET", "/api/v1/namespaces/db/pods/mysql-0/log", ""},
		{"DELETE", "/api/v1/namespaces/db/pods/mysql-0", ""},
		{"PATCH", "/api/v1/nodes/worker", ""},
		{"POST", "/api/v1/namespaces//pods/mysql-0/eviction", ""},
		{"POST", "/apis/v1/namespaces/db/pods/mysql-0/eviction", ""},
		{"POST", "/eviction", ""},
	} {
		got, ok := evictionPod(tc.method, tc.path)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("evictionPod(%s %s) = %q, %v; want %q", tc.method, tc.path, got, ok, tc.want)
		}
	}
}

func TestTransportRecordsCodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/pods/blocked/"):
			w.WriteHeader(http.StatusTooManyRequests)
		case strings.HasSuffix(r.URL.Path, "/eviction"):
			w.WriteHeader(http.StatusCreated)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer srv.Close()
	rec := &recorder{}
	client := &http.Client{Transport: &recordingTransport{next: http.DefaultTransport, rec: rec}}

	do := func(method, path string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("{}"))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
	}
	do("POST", "/api/v1/namespaces/db/pods/mysql-0/eviction")
	do("POST", "/api/v1/namespaces/db/pods/blocked/eviction")
	do("GET", "/api/v1/namespaces/db/pods/mysql-0")

	got := rec.snapshot()
	if len(got) != 2 {
		t.Fatalf("recorded %d calls, want 2 (the GET is not an eviction): %+v", len(got), got)
	}
	if got[0].Pod != "db/mysql-0" || got[0].Code != 201 || !got[0].Accepted() || got[0].At.IsZero() {
		t.Errorf("first call = %+v, want db/mysql-0 201 accepted", got[0])
	}
	if got[1].Pod != "db/blocked" || got[1].Code != 429 || !got[1].Refused() {
		t.Errorf("second call = %+v, want db/blocked 429 refused", got[1])
	}

	// A transport error is recorded with code 0.
	srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/namespaces/db/pods/mysql-1/eviction", nil)
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request to a closed server succeeded")
	}
	got = rec.snapshot()
	if len(got) != 3 || got[2].Pod != "db/mysql-1" || got[2].Code != 0 {
		t.Errorf("after a transport error recorded %+v, want a third call db/mysql-1 with code 0", got)
	}
}

func TestTransportRefusesPlainDelete(t *testing.T) {
	called := false
	next := roundTripFunc(func(*http.Request) (*http.Response, error) { called = true; return nil, errors.New("unreachable") })
	rt := &recordingTransport{next: next, rec: &recorder{}}
	req, _ := http.NewRequest("DELETE", "https://api.example/api/v1/namespaces/db/pods/mysql-0", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, errPlainDelete) {
		t.Errorf("DELETE pod: err = %v, want errPlainDelete", err)
	}
	if called {
		t.Error("a plain pod DELETE reached the API server")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRecorderConcurrent(t *testing.T) {
	rec := &recorder{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec.add(faults.Eviction{Pod: "ns/p", Code: 200 + i})
			_ = rec.snapshot()
		}()
	}
	wg.Wait()
	if n := len(rec.snapshot()); n != 50 {
		t.Errorf("recorded %d, want 50", n)
	}
}

func node(name string, labels map[string]string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func pod(ns, name, nodeName string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:       corev1.PodSpec{NodeName: nodeName},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

func TestCheckNode(t *testing.T) {
	agent := map[string]string{"app.kubernetes.io/name": "stateproof-agent"}
	db := map[string]string{"app": "mysql"}
	cs := fake.NewClientset(
		node("cp", map[string]string{kube.LabelControlPlane: ""}),
		node("worker", nil),
		node("worker2", nil),
		pod("db", "mysql-0", "worker", db),
		pod("db", "mysql-1", "worker2", db),
		pod("stateproof-system", "agent-x7", "worker2", agent),
		pod("stateproof-system", "agent-old", "worker", agent), // finished: no reason to refuse
	)
	done, _ := cs.CoreV1().Pods("stateproof-system").Get(context.Background(), "agent-old", metav1.GetOptions{})
	done.Status.Phase = corev1.PodSucceeded
	if _, err := cs.CoreV1().Pods("stateproof-system").UpdateStatus(context.Background(), done, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	protected := []string{"app.kubernetes.io/name=stateproof-agent"}
	ctx := context.Background()

	if _, err := CheckNode(ctx, cs, "cp", protected); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "control-plane") {
		t.Errorf("control-plane node: err = %v, want ErrRefused saying control-plane", err)
	}
	_, err := CheckNode(ctx, cs, "worker2", protected)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "stateproof-system/agent-x7") {
		t.Errorf("node with the agent: err = %v, want ErrRefused naming stateproof-system/agent-x7", err)
	}
	n, err := CheckNode(ctx, cs, "worker", protected)
	if err != nil || n == nil || n.Name != "worker" {
		t.Errorf("plain worker: node %v, err = %v; want it accepted", n, err)
	}
	if _, err := CheckNode(ctx, cs, "worker2", nil); err != nil {
		t.Errorf("no protected selectors: err = %v, want accepted", err)
	}
	if _, err := CheckNode(ctx, cs, "worker", []string{"app in (("}); err == nil || errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), `"app in (("`) {
		t.Errorf("invalid selector: err = %v, want an error naming it (not a refusal)", err)
	}
	if _, err := CheckNode(ctx, cs, "worker", []string{" "}); err == nil {
		t.Error("empty selector accepted; it would match every pod")
	}
	if _, err := CheckNode(ctx, cs, "nope", protected); err == nil || errors.Is(err, ErrRefused) {
		t.Errorf("missing node: err = %v, want a lookup error", err)
	}
}

func TestRecoverWithoutInjectIsNoOp(t *testing.T) {
	f := &Fault{}
	for range 2 {
		if err := f.Recover(context.Background()); err != nil {
			t.Errorf("Recover with nothing cordoned: %v", err)
		}
	}
	if ev := f.Evictions(); ev != nil {
		t.Errorf("Evictions before Inject = %v, want nil", ev)
	}
}

func TestRecoverUncordonsOnce(t *testing.T) {
	cordoned := node("worker", nil)
	cordoned.Spec.Unschedulable = true
	cs := fake.NewClientset(cordoned)
	f := &Fault{Client: &kube.Client{Clientset: cs}, cordoned: []string{"worker", "gone"}}
	ctx := context.Background()
	for i := range 2 {
		if err := f.Recover(ctx); err != nil {
			t.Fatalf("Recover #%d: %v", i+1, err)
		}
	}
	n, _ := cs.CoreV1().Nodes().Get(ctx, "worker", metav1.GetOptions{})
	if n.Spec.Unschedulable {
		t.Error("node still cordoned after Recover")
	}
	if len(f.cordoned) != 0 {
		t.Errorf("still remembered as cordoned: %v", f.cordoned)
	}
}

func TestInjectWithoutClient(t *testing.T) {
	inj, err := (&Fault{}).Inject(context.Background(), faults.Target{Namespace: "db", Pod: "mysql-0"})
	if err == nil || inj.Fault != "node-drain" || inj.Target != "db/mysql-0" {
		t.Errorf("Inject without client = %+v, %v; want an error and the injection named", inj, err)
	}
	if err := (&Fault{}).Available(context.Background()); err == nil {
		t.Error("Available without client = nil, want an error")
	}
}
