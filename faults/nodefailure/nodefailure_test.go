package nodefailure

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/stateproof/stateproof/faults"
	"github.com/stateproof/stateproof/fixtures/kube"
)

func TestRegisteredAndNamed(t *testing.T) {
	for _, m := range []Mode{Stop, Kill, Pause} {
		if got := (&Fault{Mode: m}).Name(); got != "node-failure-"+string(m) {
			t.Errorf("Name() = %q for mode %s", got, m)
		}
	}
	var _ faults.Recoverer = &Fault{}
	var _ faults.Applicability = &Fault{}
}

func TestParseKindNode(t *testing.T) {
	const node = "stateproof-worker2"
	for _, tc := range []struct {
		providerID, cluster, runtime, err string
	}{
		{"kind://docker/stateproof/stateproof-worker2", "", "docker", ""},
		{"kind://docker/stateproof/stateproof-worker2", "stateproof", "docker", ""},
		{"kind://podman/c/stateproof-worker2", "", "podman", ""},
		{"", "", "", "want kind://<runtime>/<cluster>/stateproof-worker2"},
		{"gce://project/zone/vm", "stateproof", "", "want kind://<runtime>/stateproof/stateproof-worker2"},
		{"kind://docker/stateproof", "", "", "want kind://"},
		{"kind://lxc/c/stateproof-worker2", "", "", `unknown kind runtime "lxc"`},
	} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}, Spec: corev1.NodeSpec{ProviderID: tc.providerID}}
		k, err := parseKindNode(n, tc.cluster)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), `"`+node+`"`) || !strings.Contains(err.Error(), `"`+tc.providerID+`"`) {
				t.Errorf("%q: error %v, want one naming the node and the providerID and containing %q", tc.providerID, err, tc.err)
			}
			continue
		}
		if err != nil || k.runtime != tc.runtime || k.container != node || k.node != node || k.providerID != tc.providerID {
			t.Errorf("%q: got %+v, %v", tc.providerID, k, err)
		}
	}
}

// The whole providerID must match: the node's own name, and the cluster under test when known.
func TestParseKindNodeMatchesWholeProviderID(t *testing.T) {
	for _, tc := range []struct {
		name, providerID, cluster, want string
	}{
		{"another cluster's node of the same name", "kind://docker/other/stateproof-worker", "stateproof",
			`want kind://docker/stateproof/stateproof-worker: it is a node of another kind cluster than "stateproof"`},
		{"another node's container", "kind://docker/stateproof/stateproof-worker3", "",
			"want kind://docker/<cluster>/stateproof-worker: it names the container of another node"},
	} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "stateproof-worker"}, Spec: corev1.NodeSpec{ProviderID: tc.providerID}}
		k, err := parseKindNode(n, tc.cluster)
		if err == nil || !strings.Contains(err.Error(), `providerID "`+tc.providerID+`"`) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %+v, %v; want an error naming the providerID and %q", tc.name, k, err, tc.want)
		}
	}
}

// fakeRuntime puts a fake "docker" first on PATH for the test: inspect prints inspect (the
// container's state and kind cluster label), every other command succeeds; each call's
// arguments are appended to the returned log file, one line each.
func fakeRuntime(t *testing.T, inspect string) (log string) {
	dir := t.TempDir()
	log = filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\ncase \"$1\" in\ninspect) echo '" + inspect + "' ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return log
}

// A container of the providerID's name that kind's label puts in another cluster is refused
// before anything is done to it; so is a Node of another cluster than Fault.Cluster.
func TestInjectRefusesAContainerOfAnotherCluster(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "stateproof-worker"}, Spec: corev1.NodeSpec{ProviderID: "kind://docker/stateproof/stateproof-worker"}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db-0"}, Spec: corev1.PodSpec{NodeName: node.Name}}
	target := faults.Target{Namespace: "ns", Pod: "db-0"}
	for _, tc := range []struct {
		name, cluster, inspect, want string
	}{
		{"container labelled with another cluster", "", "running other",
			`container "stateproof-worker" is not a node of kind cluster "stateproof" (its label io.x-k8s.kind.cluster is "other")`},
		{"container without kind's label", "stateproof", "running",
			`is not a node of kind cluster "stateproof" (its label io.x-k8s.kind.cluster is "")`},
		{"node of another cluster than the one under test", "other", "running other",
			`want kind://docker/other/stateproof-worker: it is a node of another kind cluster than "other"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := fakeRuntime(t, tc.inspect)
			f := &Fault{Client: &kube.Client{Clientset: fake.NewSimpleClientset(node.DeepCopy(), pod.DeepCopy())}, Mode: Kill, Recovery: NodeReturns, Cluster: tc.cluster}
			_, err := f.Inject(context.Background(), target)
			if err == nil || !strings.Contains(err.Error(), `providerID "kind://docker/stateproof/stateproof-worker"`) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Inject: %v; want a refusal naming the providerID and %q", err, tc.want)
			}
			if err := f.Available(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Available: %v; want %q", err, tc.want)
			}
			calls, _ := os.ReadFile(log)
			for _, call := range strings.Split(strings.TrimSpace(string(calls)), "\n") {
				if call != "" && !strings.HasPrefix(call, "inspect ") {
					t.Errorf("the runtime was called with %q; only inspect may run before the check", call)
				}
			}
			if err := f.Recover(context.Background()); err != nil {
				t.Errorf("Recover after a refused Inject: %v, want a no-op", err)
			}
		})
	}
	// The container of this cluster's node is failed.
	log := fakeRuntime(t, "running stateproof")
	f := &Fault{Client: &kube.Client{Clientset: fake.NewSimpleClientset(node.DeepCopy(), pod.DeepCopy())}, Mode: Kill, Recovery: NodeReturns, Cluster: "stateproof"}
	_, err := f.Inject(context.Background(), target)
	calls, _ := os.ReadFile(log)
	if !strings.Contains(string(calls), "kill --signal KILL stateproof-worker") {
		t.Errorf("Inject on a matching node: %v; runtime calls %q, want a kill of stateproof-worker", err, calls)
	}
}

func TestAvailableRejectsBadModeAndRecovery(t *testing.T) {
	cs := fake.NewSimpleClientset()
	c := &kube.Client{Clientset: cs}
	if err := (&Fault{Client: c, Mode: "melt", Recovery: NodeReturns}).Available(context.Background()); err == nil || !strings.Contains(err.Error(), `"melt"`) {
		t.Errorf("bad mode: %v", err)
	}
	if err := (&Fault{Client: c, Mode: Kill, Recovery: "pray"}).Available(context.Background()); err == nil || !strings.Contains(err.Error(), `"pray"`) {
		t.Errorf("bad recovery: %v", err)
	}
	cs = fake.NewSimpleClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "gke-1"}, Spec: corev1.NodeSpec{ProviderID: "gce://p/z/gke-1"}})
	err := (&Fault{Client: &kube.Client{Clientset: cs}, Mode: Kill, Recovery: NodeReturns}).Available(context.Background())
	if err == nil || !strings.Contains(err.Error(), "needs a kind cluster") || !strings.Contains(err.Error(), "gke-1") {
		t.Errorf("non-kind cluster: %v", err)
	}
}

// cluster builds a fake cluster: nodes w1, w2 and pod ns/db-0 on w1 with PVC data-db-0 bound to
// PV pv1, whose node affinity is affinity (nil: none).
func cluster(affinity *corev1.VolumeNodeAffinity) *fake.Clientset {
	hostname := func(n string) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: map[string]string{"kubernetes.io/hostname": n}}}
	}
	return fake.NewSimpleClientset(hostname("w1"), hostname("w2"),
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db-0"}, Spec: corev1.PodSpec{
			NodeName: "w1",
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-db-0"}}}},
		}},
		&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "data-db-0"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pv1"}},
		&corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}, Spec: corev1.PersistentVolumeSpec{NodeAffinity: affinity}},
	)
}

func onNodes(nodes ...string) *corev1.VolumeNodeAffinity {
	return &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
		MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: nodes}},
	}}}}
}

func TestApplicable(t *testing.T) {
	target := faults.Target{Namespace: "ns", Pod: "db-0"}
	for _, tc := range []struct {
		name     string
		mode     Mode
		recovery Recovery
		affinity *corev1.VolumeNodeAffinity
		reason   string // "" applicable
	}{
		{"node returns, node-bound volume", Kill, NodeReturns, onNodes("w1"), ""},
		{"out-of-service, node-bound volume", Kill, OutOfService, onNodes("w1"), "volume is node-bound to w1 (PVC ns/data-db-0, PV pv1)"},
		{"out-of-service, volume reachable from w2", Stop, OutOfService, onNodes("w1", "w2"), ""},
		{"out-of-service, no node affinity", Stop, OutOfService, nil, ""},
		{"out-of-service on a frozen node", Pause, OutOfService, nil, "only for nodes that are shut down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &Fault{Mode: tc.mode, Recovery: tc.recovery, Client: &kube.Client{Clientset: cluster(tc.affinity)}}
			err := f.Applicable(context.Background(), target)
			var na *faults.NotApplicableError
			switch {
			case tc.reason == "" && err != nil:
				t.Errorf("want applicable, got %v", err)
			case tc.reason != "" && (!errors.As(err, &na) || !strings.Contains(na.Reason, tc.reason)):
				t.Errorf("want not applicable %q, got %v", tc.reason, err)
			}
		})
	}
}

func TestRecoverWithoutFailureIsNoop(t *testing.T) {
	if err := (&Fault{Mode: Kill}).Recover(context.Background()); err != nil {
		t.Errorf("Recover after no Inject: %v", err)
	}
}

// A pause that runc could not freeze (a busy node) is tried again while the node still runs;
// a pause that fails otherwise is an error at once.
func TestPauseRetriesAFailedFreeze(t *testing.T) {
	dir := t.TempDir()
	runtime := filepath.Join(dir, "fake-docker")
	// Fails the first pause with runc's freeze error, then succeeds; inspect says running.
	script := "#!/bin/sh\ncase \"$1\" in\n" +
		"inspect) echo running c ;;\n" +
		"pause) if [ -e " + dir + "/tried ]; then exit 0; fi; touch " + dir + "/tried; " +
		"echo 'OCI runtime pause failed: unable to freeze: unknown'; exit 1 ;;\n" +
		"esac\n"
	if err := os.WriteFile(runtime, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	k := &kindNode{runtime: runtime, container: "c", node: "n", cluster: "c"}
	if err := k.fail(context.Background(), Pause); err != nil {
		t.Fatalf("pause after one failed freeze: %v", err)
	}
	if err := k.fail(context.Background(), Kill); err != nil {
		t.Fatalf("kill through the fake runtime: %v", err)
	}
	os.WriteFile(runtime, []byte("#!/bin/sh\necho 'no such container'; exit 1\n"), 0o755)
	if err := k.fail(context.Background(), Pause); err == nil || !strings.Contains(err.Error(), "no such container") {
		t.Fatalf("a pause failing otherwise: err = %v, want it at once", err)
	}
}

// fakeDaemon puts a fake "docker" first on PATH for the test, with the state of one node
// container (running at first, of kind cluster "stateproof") in dir. A stop, kill or pause hangs
// in its CLI until killed, and the fake daemon goes on with it: the container reports running to
// the first inspects inspect calls after the command, then the state the command drives it to.
// A start (unpause) brings back only an exited (paused) container, and then touches dir/restored.
// Each call's arguments are appended to dir/calls, one line each.
func fakeDaemon(t *testing.T, inspects int) (dir string) {
	dir = t.TempDir()
	// Every file is replaced by a rename, never truncated and rewritten: the CLI runs
	// concurrently (Inject's stop, Recover's inspects) and must never read a half-written state.
	script := `#!/bin/sh
d=` + dir + `
put() { echo "$2" > "$d/$1.$$"; mv "$d/$1.$$" "$d/$1"; }
# The daemon takes the order before the call is logged: a test that kills the CLI as soon as it
# sees the call leaves the daemon going on with it.
case "$1" in
stop|kill) put n 0; put going exited ;;
pause) put n 0; put going paused ;;
esac
echo "$@" >> $d/calls
case "$1" in
inspect)
  if [ -e $d/going ]; then
    n=$(($(cat $d/n) + 1)); put n $n
    if [ $n -gt ` + strconv.Itoa(inspects) + ` ]; then mv $d/going $d/state; fi
  fi
  echo "$(cat $d/state) stateproof" ;;
stop|kill|pause) exec sleep 30 ;;
start) if [ "$(cat $d/state)" = exited ]; then put state running; touch $d/restored; fi ;;
unpause) if [ "$(cat $d/state)" = paused ]; then put state running; touch $d/restored; fi ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "state"), []byte("running\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	old := pollInterval
	pollInterval = 10 * time.Millisecond
	t.Cleanup(func() { pollInterval = old })
	return dir
}

// daemonState is the fake container's state once the fake daemon has finished what it is doing.
func daemonState(t *testing.T, dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "going"))
	if err != nil {
		b, err = os.ReadFile(filepath.Join(dir, "state"))
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func runtimeCalls(dir string) []string {
	b, _ := os.ReadFile(filepath.Join(dir, "calls"))
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

const worker = "stateproof-worker"

// fakeKubelet is the cluster of the node container faked by fakeDaemon in dir: Node worker,
// Ready, and pod ns/db-0 on it. Until the container is restored (dir/restored) the Node's Ready
// condition and its Lease are as the kubelet last wrote them a minute ago: the stale Ready=True
// of a stopped node that the node lifecycle controller has not marked Unknown yet. Afterwards
// the Lease is renewed at once, and the status is posted (a new heartbeat) from the posts-th Get
// of the Node on; never when posts < 0 (a resumed kubelet whose status did not change). The
// returned counter counts the Node's Gets after the restore.
func fakeKubelet(dir string, posts int) (*fake.Clientset, *atomic.Int32) {
	stale := time.Now().Add(-time.Minute)
	node := func(heartbeat time.Time) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: worker}, Spec: corev1.NodeSpec{ProviderID: "kind://docker/stateproof/" + worker},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.NewTime(heartbeat)}}}}
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db-0"}, Spec: corev1.PodSpec{NodeName: worker}}
	cs := fake.NewSimpleClientset(node(stale), pod)
	restored := func() bool { _, err := os.Stat(filepath.Join(dir, "restored")); return err == nil }
	var gets atomic.Int32
	cs.PrependReactor("get", "nodes", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if !restored() {
			return true, node(stale), nil
		}
		if n := gets.Add(1); posts < 0 || int(n) < posts {
			return true, node(stale), nil
		}
		return true, node(time.Now()), nil
	})
	cs.PrependReactor("get", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		renew := metav1.NewMicroTime(stale)
		if restored() {
			renew = metav1.NowMicro()
		}
		return true, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: corev1.NamespaceNodeLease, Name: worker}, Spec: coordinationv1.LeaseSpec{RenewTime: &renew}}, nil
	})
	return cs, &gets
}

// injectInterrupted runs f.Inject and cancels its context as soon as the fake runtime in dir was
// called with cmd: the CLI is killed, the fake daemon goes on. It fails the test unless Inject
// returns an error.
func injectInterrupted(t *testing.T, f *Fault, dir, cmd string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			for _, c := range runtimeCalls(dir) {
				if strings.HasPrefix(c, cmd+" ") {
					cancel()
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	if _, err := f.Inject(ctx, faults.Target{Namespace: "ns", Pod: "db-0"}); err == nil {
		t.Fatalf("Inject interrupted during its %s returned no error", cmd)
	}
}

// A stop whose CLI was killed goes on in the daemon: Recover must wait for the container to have
// stopped, and start it then, not find it running and trust the stale Ready condition.
func TestRecoverWaitsForACancelledStop(t *testing.T) {
	dir := fakeDaemon(t, 3)
	cs, _ := fakeKubelet(dir, 1)
	f := &Fault{Client: &kube.Client{Clientset: cs}, Mode: Stop, Recovery: NodeReturns, Cluster: "stateproof"}
	injectInterrupted(t, f, dir, "stop")
	if err := f.Recover(context.Background()); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if s := daemonState(t, dir); s != "running" {
		t.Errorf("once the daemon finished the stop the node container is %s, want running (calls %q)", s, runtimeCalls(dir))
	}
	if !slices.Contains(runtimeCalls(dir), "start "+worker) {
		t.Errorf("Recover did not start the container: calls %q", runtimeCalls(dir))
	}
}

// Inject interrupted during its runtime command (here a pause that the daemon completes later)
// still leaves Recover the node to restore; Recover unpauses it, trusts the resumed kubelet's
// renewed Lease, and a second Recover does nothing.
func TestRecoverAfterInjectInterrupted(t *testing.T) {
	dir := fakeDaemon(t, 2)
	cs, _ := fakeKubelet(dir, -1)
	f := &Fault{Client: &kube.Client{Clientset: cs}, Mode: Pause, Recovery: NodeReturns, Cluster: "stateproof"}
	injectInterrupted(t, f, dir, "pause")
	if err := f.Recover(context.Background()); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if s := daemonState(t, dir); s != "running" || !slices.Contains(runtimeCalls(dir), "unpause "+worker) {
		t.Errorf("after Recover the node container ends up %s, want running after an unpause (calls %q)", s, runtimeCalls(dir))
	}
	n := len(runtimeCalls(dir))
	if err := f.Recover(context.Background()); err != nil || len(runtimeCalls(dir)) != n {
		t.Errorf("a second Recover: %v, runtime calls %q; want a no-op", err, runtimeCalls(dir)[n:])
	}
}

// After a restart, only a status the new kubelet posted counts: not the Ready=True left from
// before the failure, nor the Lease that the kubelet renews before its first status.
func TestRecoverIgnoresAReadySeenBeforeTheRestart(t *testing.T) {
	dir := fakeDaemon(t, 0)
	cs, gets := fakeKubelet(dir, 3)
	f := &Fault{Client: &kube.Client{Clientset: cs}, Mode: Kill, Recovery: NodeReturns, Cluster: "stateproof"}
	injectInterrupted(t, f, dir, "kill")
	if err := f.Recover(context.Background()); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if n := gets.Load(); n < 3 {
		t.Errorf("Recover returned after %d Gets of the restarted Node, before its kubelet posted a status (the 3rd)", n)
	}
	if s := daemonState(t, dir); s != "running" {
		t.Errorf("node container %s after Recover, want running", s)
	}
}

// A container still running once the daemon would have finished the stop was never stopped (the
// stop did not reach the daemon): Recover does not wait longer, nor start or stop it.
func TestRecoverTrustsARunningNodeOnceTheStopWindowIsOver(t *testing.T) {
	dir := fakeDaemon(t, 0)
	os.WriteFile(filepath.Join(dir, "restored"), nil, 0o644) // the kubelet runs: its Lease is renewed
	cs, _ := fakeKubelet(dir, -1)
	kn := &kindNode{node: worker, providerID: "kind://docker/stateproof/" + worker, runtime: "docker", cluster: "stateproof", container: worker}
	f := &Fault{Client: &kube.Client{Clientset: cs}, Mode: Stop, Recovery: NodeReturns,
		failed: &failure{node: kn, mode: Stop, issued: time.Now().Add(-StopGrace - settleMargin - time.Second)}}
	start := time.Now()
	if err := f.Recover(context.Background()); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Recover took %s", d)
	}
	for _, c := range runtimeCalls(dir) {
		if !strings.HasPrefix(c, "inspect ") {
			t.Errorf("Recover called the runtime with %q; want inspect only", c)
		}
	}
}

// A stopped or killed node gets its addresses back before it starts: Docker would hand it any
// free one, and two nodes down at once could swap theirs.
func TestRestorePinsTheAddresses(t *testing.T) {
	log := fakeRuntime(t, "kind 172.18.0.7 fc00:f853:ccd:e793::7")
	k := &kindNode{node: "w", runtime: "docker", container: "w", cluster: "stateproof"}
	addrs, err := k.addresses(t.Context())
	if err != nil || len(addrs) != 1 || addrs[0] != (netAddr{"kind", "172.18.0.7", "fc00:f853:ccd:e793::7"}) {
		t.Fatalf("addresses %+v, %v", addrs, err)
	}
	k.addrs = addrs
	if err := k.pinAddresses(t.Context()); err != nil {
		t.Fatal(err)
	}
	calls, _ := os.ReadFile(log)
	want := "network disconnect kind w\nnetwork connect --ip 172.18.0.7 --ip6 fc00:f853:ccd:e793::7 kind w\n"
	if !strings.HasSuffix(string(calls), want) {
		t.Errorf("calls:\n%s\nwant them to end with:\n%s", calls, want)
	}
}
