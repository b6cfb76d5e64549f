package faults

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/stateproof/stateproof/fixtures/kube"
	"github.com/stateproof/stateproof/fixtures/nodeagent"
	"github.com/stateproof/stateproof/reports/check"
)

// LabelKey is the key of a spec's fault label: "fault:<name>".
const LabelKey = "fault"

// RecoveryLabelKey is the key of a spec's recovery-path label: "recovery:<path>".
const RecoveryLabelKey = "recovery"

// Spec limits of the data-survival specs: deploy, write, fault, recover, read back.
const (
	// PodSpecTimeout bounds a spec whose fault hits a pod (a deleted pod is recreated at once).
	PodSpecTimeout = 15 * time.Minute
	// NodeSpecTimeout bounds a spec whose fault hits a node: the node lifecycle controller takes
	// its node-monitor grace period to see a failed node, and the node (or the pod elsewhere)
	// must come back; a drain waits for the evicted pod to be Ready again.
	NodeSpecTimeout = 20 * time.Minute
)

// Kind is one registered fault, as etcd's robustness tests list their failpoints: the single
// source from which the suites' data-survival table, certify's --faults, `stateproof faults`
// and the preflight's permission list are derived. A fault package registers its kinds in an
// init function (Register); package faults/all imports every fault package.
type Kind struct {
	// Name is the label value (fault:<Name>) and the --faults value, e.g. "node-failure-stop".
	Name string
	// Summary is one line for `stateproof faults`.
	Summary string
	// Paths are its recovery paths, each one row of the data-survival table (at least one).
	Paths []Path
	// Access lists the API accesses Inject and Recover make beyond the suites' own (see
	// fixtures/kube/preflight), e.g. create pods/eviction for a drain. Certify asks for them.
	Access []kube.Access
	// Available returns nil when the cluster behind client can run the fault, else why not. nil
	// means it always can (it only needs the Kubernetes API).
	Available func(ctx context.Context, client *kube.Client) error
}

// Path is one way a fault ends and the workload recovers: one row of the data-survival table,
// deciding one certificate check.
type Path struct {
	// Recovery is the recovery-path label value (recovery:<Recovery>), e.g. "node-returns" or
	// "out-of-service"; "" for a fault that ends by itself (a deleted pod is recreated).
	Recovery string
	// Text ends the spec text: "<workload> keeps every acknowledged write <Text>", e.g. "when
	// its node is stopped and comes back".
	Text string
	// Check is the certificate row the path's data-survival spec decides.
	Check check.ID
	// Timeout is the spec's limit.
	Timeout time.Duration
	// Spare is how many worker nodes the fault needs beyond the workload's own: somewhere for
	// the pod to go once its node is out of service.
	Spare int
	// MovesPod marks a path whose pod must come back on another node (out of service): its
	// specs run on the movable StorageClass.
	MovesPod bool
	// EvictsNode marks a fault that evicts every pod of the target's node (a drain): a workload
	// whose PodDisruptionBudget would block that on a shared node spreads over
	// workloads.Workload.DrainNodes nodes for it.
	EvictsNode bool
	// New makes the fault for one spec.
	New func(Deps) Fault
}

// Deps are what a fault is made with: the cluster and the harness's limits.
type Deps struct {
	// Client talks to the cluster under test.
	Client *kube.Client
	// ReadyTimeout bounds how long a recreated pod or a returning node may take to be Ready.
	ReadyTimeout time.Duration
	// Protected are label selectors of the harness's own pods (the in-cluster writer), whose
	// node a fault that evicts pods refuses to disrupt (ErrRefused); the node failures refuse
	// the control-plane node by themselves.
	Protected []string
	// Log receives progress lines of the faults that write any (a drain); nil discards them.
	Log io.Writer
	// NodeAgent returns a client of the run's node agent on a node (fixtures/nodeagent),
	// deploying the run's node agents first when needed; nil when the run offers none (the
	// faults that need one are then not available).
	NodeAgent func(ctx context.Context, node string) (*nodeagent.Client, error)
}

// Label is the spec label of k: "fault:<name>".
func (k Kind) Label() string { return LabelKey + ":" + k.Name }

// Labels returns the spec labels of path p of k: fault:<name> and, when the path has one,
// recovery:<path>. A spec that decides p.Check adds p.Check.Label().
func (k Kind) Labels(p Path) []string {
	labels := []string{k.Label()}
	if p.Recovery != "" {
		labels = append(labels, RecoveryLabelKey+":"+p.Recovery)
	}
	return labels
}

// LookupPath returns the path of the kind registered under name whose recovery label value is
// recovery ("" for a fault without recovery path); ok is false when there is none.
func LookupPath(name, recovery string) (k Kind, p Path, ok bool) {
	k, ok = Lookup(name)
	if ok {
		p, ok = k.Path(recovery)
	}
	return k, p, ok
}

// Path returns k's path with recovery label value recovery; ok is false when it has none.
func (k Kind) Path(recovery string) (p Path, ok bool) {
	i := slices.IndexFunc(k.Paths, func(p Path) bool { return p.Recovery == recovery })
	if i < 0 {
		return Path{}, false
	}
	return k.Paths[i], true
}

// registry holds the registered kinds in registration order.
var registry []Kind

// Register adds k to the registry. It panics, a programming error found by any test, when k has
// no valid name, no summary or no path, two paths share a recovery label, a path has no Text,
// Timeout or New, its check is not a certificate row, or the name is taken.
func Register(k Kind) {
	if err := validate(k); err != nil {
		panic("faults.Register: " + err.Error())
	}
	registry = append(registry, k)
}

// validate returns why k cannot be registered, or nil.
func validate(k Kind) error {
	switch {
	case k.Name == "" || strings.ContainsAny(k.Name, ", :"):
		return fmt.Errorf("fault name %q: want a label value without spaces, commas or colons", k.Name)
	case k.Summary == "":
		return fmt.Errorf("fault %s: no Summary", k.Name)
	case len(k.Paths) == 0:
		return fmt.Errorf("fault %s: no recovery Path", k.Name)
	}
	if _, dup := Lookup(k.Name); dup {
		return fmt.Errorf("fault %s registered twice", k.Name)
	}
	for i, p := range k.Paths {
		switch {
		case slices.ContainsFunc(k.Paths[:i], func(q Path) bool { return q.Recovery == p.Recovery }):
			return fmt.Errorf("fault %s: two paths with recovery %q", k.Name, p.Recovery)
		case p.Text == "" || p.Timeout <= 0 || p.New == nil:
			return fmt.Errorf("fault %s path %q: Text, Timeout and New are required", k.Name, p.Recovery)
		case !p.Check.Known():
			return fmt.Errorf("fault %s path %q: check %q is not a certificate row (%v)", k.Name, p.Recovery, p.Check, check.All)
		}
	}
	return nil
}

// All returns every registered kind in the order of the certificate's rows (check.All) their
// first path decides, then by name: pod deletes, node failures, drains.
func All() []Kind {
	all := slices.Clone(registry)
	row := func(k Kind) int { return slices.Index(check.All, k.Paths[0].Check) }
	slices.SortFunc(all, func(a, b Kind) int {
		if d := row(a) - row(b); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	return all
}

// Names returns the names of every registered kind, in the order of All.
func Names() []string {
	var names []string
	for _, k := range All() {
		names = append(names, k.Name)
	}
	return names
}

// Lookup returns the kind registered under name.
func Lookup(name string) (Kind, bool) {
	i := slices.IndexFunc(registry, func(k Kind) bool { return k.Name == name })
	if i < 0 {
		return Kind{}, false
	}
	return registry[i], true
}

// Access returns the API accesses the named kinds need, each once, in the order of names.
// Unknown names are skipped: callers validate names first.
func Access(names []string) []kube.Access {
	var out []kube.Access
	for _, n := range names {
		k, _ := Lookup(n)
		for _, a := range k.Access {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// Unregister removes the kind registered under name; tests that register a fake kind call it
// in their clean-up.
func Unregister(name string) {
	registry = slices.DeleteFunc(registry, func(k Kind) bool { return k.Name == name })
}
