package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stateproof/stateproof/fixtures/platform/images"
	"github.com/stateproof/stateproof/fixtures/platform/images/push"
	"github.com/stateproof/stateproof/fixtures/platform/registry"
)

// mapSource is an image source of random images by local reference.
type mapSource struct {
	mu     sync.Mutex
	images map[string]v1.Image
	asked  int
}

func (s *mapSource) Image(_ context.Context, ref string) (v1.Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked++
	if img, ok := s.images[ref]; ok {
		return img, nil
	}
	return nil, fmt.Errorf("%w: %s (run `make images`)", push.ErrNotFound, ref)
}

// useSource makes `images push` read from a source of a random image for each ref until the
// test ends.
func useSource(t *testing.T, refs ...string) *mapSource {
	t.Helper()
	src := &mapSource{images: map[string]v1.Image{}}
	for _, ref := range refs {
		img, err := random.Image(1024, 2)
		if err != nil {
			t.Fatal(err)
		}
		src.images[ref] = img
	}
	old := newImageSource
	newImageSource = func() (push.Source, error) { return src, nil }
	t.Cleanup(func() { newImageSource = old })
	return src
}

// writeImagesFile writes an offline images file with an extra field to dir and returns its
// path and content.
func writeImagesFile(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	data := []byte(`{"mode":"offline","node":"stateproof/kind-node:v1.34.4","workloads":{"mysql":"stateproof/mysql:10.11","redis":"stateproof/redis:7.0"},"agent":"stateproof/agent:1a2b","note":"kept"}` + "\n")
	path := filepath.Join(dir, "images.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// startTestRegistry serves the `registry serve` handler on a loopback port and returns its
// host:port.
func startTestRegistry(t *testing.T) string {
	t.Helper()
	reg, err := registry.New(t.TempDir(), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// `images push` pushes the agent and the workload images (not the node image) into the
// registry, rewrites the images file to their pinned references, keeping its other fields,
// and prints a line per image; a pull of each reference gives the digest pushed.
func TestImagesPush(t *testing.T) {
	host := startTestRegistry(t)
	src := useSource(t, "stateproof/agent:1a2b", "stateproof/mysql:10.11", "stateproof/redis:7.0")
	file, _ := writeImagesFile(t, t.TempDir())
	out, err := output(t, "images", "push", "--registry", host+"/ci", "--images-file", file)
	if err != nil {
		t.Fatalf("images push: %v\n%s", err, out)
	}
	if n := strings.Count(out, "[images] pushed "); n != 3 || !strings.Contains(out, "not pushed: stateproof/kind-node:v1.34.4") ||
		!regexp.MustCompile(`pushed stateproof/agent:1a2b \([0-9.]+ MB\) in [0-9.]+ s: `).MatchString(out) {
		t.Errorf("output, want 3 progress lines and the node image left alone:\n%s", out)
	}
	set, err := images.ReadSetFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if set.Registry != host+"/ci" || set.Node != "stateproof/kind-node:v1.34.4" || set.Mode != images.ModeOffline {
		t.Errorf("rewritten set: %+v", set)
	}
	for local, ref := range map[string]string{"stateproof/agent:1a2b": set.Agent, "stateproof/mysql:10.11": set.Workloads["mysql"], "stateproof/redis:7.0": set.Workloads["redis"]} {
		want, _ := src.images[local].Digest()
		if ref != host+"/ci/"+local+"@"+want.String() {
			t.Errorf("%s recorded as %s, want %s/ci/%s@%s", local, ref, host, local, want)
			continue
		}
		r, _ := name.ParseReference(ref)
		desc, err := remote.Get(r)
		if err != nil || desc.Digest != want {
			t.Errorf("pull %s: %v, %v", ref, desc, err)
		}
	}
	data, _ := os.ReadFile(file)
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil || fields["note"] != "kept" {
		t.Errorf("the images file lost its other fields:\n%s", data)
	}

	// --output leaves the file as it is; a pushed file is pushed again from the local images.
	other := filepath.Join(t.TempDir(), "other.json")
	if out, err := output(t, "images", "push", "--registry", host+"/again", "--images-file", file, "--output", other); err != nil {
		t.Fatalf("push again: %v\n%s", err, out)
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(again, data) {
		t.Error("--output changed --images-file")
	}
	if set, err := images.ReadSetFile(other); err != nil || !strings.HasPrefix(set.Agent, host+"/again/stateproof/agent:1a2b@sha256:") {
		t.Errorf("--output: %+v, %v", set, err)
	}
}

// A dry run lists the pushes and their references, and neither reads an image nor pushes
// nor writes.
func TestImagesPushDryRun(t *testing.T) {
	host := startTestRegistry(t)
	src := useSource(t)
	file, data := writeImagesFile(t, t.TempDir())
	out, err := output(t, "images", "push", "--registry", host, "--images-file", file, "--dry-run")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	for _, w := range []string{
		"would push stateproof/agent:1a2b as " + host + "/stateproof/agent:1a2b@sha256:<digest>",
		"would push stateproof/mysql:10.11 as " + host + "/stateproof/mysql:10.11@sha256:<digest>",
		"nothing pushed",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("dry run output lacks %q:\n%s", w, out)
		}
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(after, data) || src.asked != 0 {
		t.Errorf("a dry run wrote the file or read %d images", src.asked)
	}
	reg, _ := name.NewRegistry(host)
	if repos, err := remote.Catalog(t.Context(), reg); err != nil || len(repos) != 0 {
		t.Errorf("a dry run pushed %v (%v)", repos, err)
	}
}

// Bad input exits 2 naming the value (a bad or missing --registry, a missing images file);
// a registry that does not answer exits 1 naming the image and the registry.
func TestImagesPushErrors(t *testing.T) {
	useSource(t, "stateproof/agent:1a2b", "stateproof/mysql:10.11", "stateproof/redis:7.0")
	file, _ := writeImagesFile(t, t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--images-file", file}, 2, []string{"--registry is required", "localhost:5000/stateproof"}},
		{[]string{"--registry", "https://r.example.com", "--images-file", file}, 2, []string{`"https://r.example.com"`, "e.g."}},
		{[]string{"--registry", "myregistry/team", "--images-file", file}, 2, []string{`"myregistry/team"`, "Docker Hub"}},
		{[]string{"--registry", "localhost:5000", "--images-file", filepath.Join(t.TempDir(), "none.json")}, 2, []string{"make images"}},
		{[]string{"--registry", closed + "/x", "--images-file", file}, 1, []string{"stateproof/agent:1a2b", closed + "/x", "does not answer"}},
	} {
		out, err := output(t, append([]string{"images", "push"}, tc.args...)...)
		if exitCode(err) != tc.code {
			t.Errorf("images push %v: %v (exit %d), want exit %d\n%s", tc.args, err, exitCode(err), tc.code, out)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("images push %v: the error lacks %q: %v", tc.args, w, err)
			}
		}
	}
}

// `registry serve` serves on the address it prints, keeps the blobs pushed in --dir, and stops
// cleanly when its context ends (SIGINT or SIGTERM in main); without --dir it exits 2.
func TestRegistryServe(t *testing.T) {
	if _, err := output(t, "registry", "serve"); exitCode(err) != 2 || !strings.Contains(err.Error(), "--dir") {
		t.Errorf("registry serve without --dir: %v (exit %d), want exit 2", err, exitCode(err))
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	root := newRootCommand()
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"registry", "serve", "--listen", "127.0.0.1:0", "--dir", dir})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	addr := regexp.MustCompile(`on (127\.0\.0\.1:\d+)`)
	var host string
	for deadline := time.Now().Add(10 * time.Second); host == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			host = m[1]
		}
	}
	if host == "" {
		t.Fatalf("registry serve printed no address:\n%s", out.String())
	}
	img, _ := random.Image(1024, 1)
	tag, _ := name.NewTag(host + "/stateproof/agent:1a2b")
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("registry serve after its context ended: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("registry serve did not stop within 15 s of its context ending")
	}
	if !strings.Contains(out.String(), "stored stateproof/agent:1a2b") || !strings.Contains(out.String(), "[registry] stopped") {
		t.Errorf("output:\n%s", out.String())
	}
	if entries, err := os.ReadDir(filepath.Join(dir, "sha256")); err != nil || len(entries) < 2 {
		t.Errorf("blobs in --dir: %d, %v; want the layer and the config", len(entries), err)
	}
}
