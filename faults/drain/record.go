package drain

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stateproof/stateproof/faults"
)

// recorder collects the Eviction API calls of one drain. The drain helper evicts the pods of a
// node concurrently, one goroutine each, so every method is goroutine-safe.
type recorder struct {
	mu        sync.Mutex
	evictions []faults.Eviction
}

func (r *recorder) add(e faults.Eviction) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evictions = append(r.evictions, e)
}

// snapshot returns a copy of the calls recorded so far, in the order their answers arrived.
func (r *recorder) snapshot() []faults.Eviction {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]faults.Eviction(nil), r.evictions...)
}

// recordingTransport is the http.RoundTripper put under the drain helper's clientset. It records
// every Eviction API call with its HTTP status, and refuses plain pod deletes so that the drain
// can only ever go through the Eviction API (which honours PodDisruptionBudgets).
type recordingTransport struct {
	next http.RoundTripper
	rec  *recorder
}

// errPlainDelete is what the transport answers to a DELETE of a pod: node-drain evicts only.
var errPlainDelete = errors.New("node-drain evicts through the Eviction API only; a plain pod DELETE was refused")

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodDelete {
		if ns, name, ok := podPath(req.URL.Path); ok {
			return nil, fmt.Errorf("DELETE pod %s/%s: %w", ns, name, errPlainDelete)
		}
	}
	pod, isEviction := evictionPod(req.Method, req.URL.Path)
	resp, err := t.next.RoundTrip(req)
	if isEviction {
		code := 0
		if err == nil && resp != nil {
			code = resp.StatusCode
		}
		t.rec.add(faults.Eviction{Pod: pod, At: time.Now(), Code: code})
	}
	return resp, err
}

// evictionPod reports whether a request is an Eviction API call, i.e. a POST to the pod's
// eviction subresource /api/v1/namespaces/<ns>/pods/<name>/eviction
// (https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/; the body is a
// policy/v1 or policy/v1beta1 Eviction, the path is the same for both), and if so returns
// "<ns>/<name>". A prefix before /api (an API server behind a proxy path) is allowed.
func evictionPod(method, path string) (string, bool) {
	if method != http.MethodPost {
		return "", false
	}
	seg := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(seg) < 7 {
		return "", false
	}
	seg = seg[len(seg)-7:]
	if seg[0] != "api" || seg[1] != "v1" || seg[2] != "namespaces" || seg[4] != "pods" || seg[6] != "eviction" ||
		seg[3] == "" || seg[5] == "" {
		return "", false
	}
	return seg[3] + "/" + seg[5], true
}

// podPath reports whether path is a pod itself, /api/v1/namespaces/<ns>/pods/<name> (no
// subresource), and returns its namespace and name.
func podPath(path string) (ns, name string, ok bool) {
	seg := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(seg) < 6 {
		return "", "", false
	}
	seg = seg[len(seg)-6:]
	if seg[0] != "api" || seg[1] != "v1" || seg[2] != "namespaces" || seg[4] != "pods" || seg[3] == "" || seg[5] == "" {
		return "", "", false
	}
	return seg[3], seg[5], true
}

// syncWriter serializes writes to the progress log: the drain helper writes to Out and ErrOut
// from one goroutine per pod, each through its own lock, and both may be the same Log.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
