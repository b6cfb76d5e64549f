package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/nodeagent"
)

// newNodeAgentCommand is `stateproof node-agent`: the node agent of fixtures/nodeagent, run by
// a privileged DaemonSet pod on every node of a cluster that is not kind.
func newNodeAgentCommand() *cobra.Command {
	var (
		listen, criEndpoint, node, podUID, runtimeUnit string
		refuse                                         []string
	)
	cmd := &cobra.Command{
		Use:   "node-agent",
		Short: "In-node fault agent (runs in a privileged DaemonSet pod on each node)",
		Long: `Perform node faults on this node only, on request of the harness, where there is no kind
node container to stop. The pod must be privileged with hostPID and hostNetwork; commands run
chrooted into the node's root (/proc/1/root, the node's init's), on the node's network, so
systemctl, systemd-run, iptables and ip6tables are the node's own. Containers are found by ID
through the CRI socket (--cri-endpoint).

Faults (POST /v1/faults, "fault"):
  process-kill       SIGKILL the processes of the pod's running containers (as the OOM
                     killer does); the kubelet restarts them. Needs "pod".
  node-shutdown      stop kubelet, SIGKILL every container but this agent's pod's, stop
                     containerd. Undo: start containerd, then kubelet.
  node-kubelet-stop  stop kubelet; containers keep running. Undo: start kubelet.
  node-partition     drop all IPv4/IPv6 traffic (chain STATEPROOF-PARTITION) but loopback and
                     this agent's port to/from "controlPlaneAddresses". Undo: remove the chain.
Before a fault with an undo acts, a systemd timer on the node (stateproof-undo-<id>) is armed
to undo it after "deadlineSeconds" (30 to 3600), whatever becomes of the agent; no timer, no
fault. An agent that restarts adopts the timers it finds as active faults.

HTTP API (JSON; every path but /healthz needs header X-Stateproof-Token: $AGENT_TOKEN, else 401):
  GET  /healthz     200 "ok"
  GET  /v1/status   node, active faults (id, fault, start, deadline), armed timers, refusal
  POST /v1/faults   {"fault", "node", "deadlineSeconds", "pod": {"namespace", "name", "uid"},
                     "controlPlaneAddresses": ["172.18.0.2", "fc00::2"]}
                    -> 200 {"id", "fault", "node", "start", "end", "observed", "deadline"}
                    400 bad input, 403 refused (another node, a --refuse-nodes node, a node with
                    a kube-apiserver static pod), 409 a fault is active, 500 not injected
                    (what was done is undone)
  POST /v1/recover  {"id"} (empty: every active fault) -> 200 {"node", "recovered": [{"id",
                    "fault", "commands", "disarmed"}], "recoveredAt"} or {"nothing": true};
                    500 when an undo did not take (the fault stays active: call again)

Environment: AGENT_TOKEN (required, the shared secret), NODE_NAME and POD_UID (defaults of
--node-name and --pod-uid, from the downward API). Exits 2 when one is missing.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("node-agent takes no arguments, got %q: its settings are flags and environment (--help)", args)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			token := os.Getenv("AGENT_TOKEN")
			var missing []string
			for _, v := range [][2]string{{"AGENT_TOKEN", token}, {"--node-name (NODE_NAME)", node}, {"--pod-uid (POD_UID)", podUID}} {
				if v[1] == "" {
					missing = append(missing, v[0])
				}
			}
			if len(missing) > 0 {
				return usageError{fmt.Errorf("node-agent: %s not set", strings.Join(missing, ", "))}
			}
			_, portText, err := net.SplitHostPort(listen)
			port, perr := strconv.Atoi(portText)
			if err != nil || perr != nil || port < 1 || port > 65535 {
				return usageError{fmt.Errorf("--listen %q: want [host]:port", listen)}
			}
			if err := nodeagent.CheckHostPID(""); err != nil {
				return err
			}
			cri, err := nodeagent.DialCRI(criEndpoint)
			if err != nil {
				return err
			}
			defer cri.Close()
			v, err := cri.Version(cmd.Context())
			if err != nil {
				return fmt.Errorf("container runtime at %s: %w", criEndpoint, err)
			}
			cfg := nodeagent.Config{Node: node, PodUID: podUID, Token: token, Port: port, RefuseNodes: refuse,
				RuntimeUnit: runtimeUnit, VerifyWait: nodeagent.DefaultVerifyWait}
			s, err := nodeagent.NewServer(cmd.Context(), cfg, nodeagent.HostNode{}, cri, nodeagent.HostKiller{})
			if err != nil {
				return err
			}
			log.Printf("node-agent %s: runtime %s, listening on %s", node, v, listen)
			if err := nodeagent.Serve(cmd.Context(), listen, s.Handler()); err != nil && !errors.Is(err, cmd.Context().Err()) {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", fmt.Sprintf(":%d", nodeagent.DefaultPort), "HTTP listen address, on the node's network (hostNetwork); node-partition keeps its port open to the control plane")
	f.StringVar(&criEndpoint, "cri-endpoint", nodeagent.DefaultCRIEndpoint, "container runtime's CRI socket (path or unix://path), mounted from the node")
	f.StringVar(&runtimeUnit, "runtime-unit", "containerd", "systemd unit of the container runtime, stopped by node-shutdown")
	f.StringVar(&node, "node-name", os.Getenv("NODE_NAME"), "this node's name; requests for another node are refused")
	f.StringVar(&podUID, "pod-uid", os.Getenv("POD_UID"), "UID of the agent's own pod, whose containers node-shutdown spares")
	f.StringSliceVar(&refuse, "refuse-nodes", nil, "comma-separated nodes that refuse every fault (the control-plane nodes and the nodes of the harness's own pods)")
	return cmd
}
