package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

// TestCSIDriverSplitModes runs a controller and a node plugin as two commands on one pool (dir
// backend): the controller attaches a volume to the node the node plugin registered, the node
// plugin stages it, and the kubelet registration answers.
func TestCSIDriverSplitModes(t *testing.T) {
	tmp := t.TempDir()
	pool, reg := filepath.Join(tmp, "pool"), filepath.Join(tmp, "registration")
	os.Mkdir(reg, 0o700)
	ctx, cancel := context.WithCancel(context.Background())
	var done []chan error
	run := func(args ...string) {
		root := newRootCommand()
		root.SetArgs(append([]string{"csi-driver", "--backend", "dir", "--pool", pool}, args...))
		root.SetErr(testLog{t})
		ch := make(chan error, 1)
		done = append(done, ch)
		go func() { ch <- root.ExecuteContext(ctx) }()
	}
	ctrlSock, nodeSock := filepath.Join(tmp, "controller.sock"), filepath.Join(tmp, "node.sock")
	run("--mode", "controller", "--endpoint", "unix://"+ctrlSock)
	run("--mode", "node", "--node-id", "worker-1", "--endpoint", nodeSock, "--registration-dir", reg)
	defer func() {
		cancel()
		for _, ch := range done {
			if err := <-ch; err != nil {
				t.Errorf("csi-driver: %v", err)
			}
		}
	}()
	regSock := filepath.Join(reg, "csi.stateproof.io-reg.sock")
	for _, s := range []string{ctrlSock, nodeSock, regSock} {
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(s); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("no socket %s", s)
			}
		}
	}
	dial := func(sock string) *grpc.ClientConn {
		conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	c, n := csi.NewControllerClient(dial(ctrlSock)), csi.NewNodeClient(dial(nodeSock))
	info, err := registerapi.NewRegistrationClient(dial(regSock)).GetInfo(ctx, &registerapi.InfoRequest{})
	if err != nil || info.Endpoint != "/var/lib/kubelet/plugins/csi.stateproof.io/csi.sock" || info.Type != registerapi.CSIPlugin {
		t.Errorf("GetInfo = %v, %v", info, err)
	}
	if _, err := n.NodeGetCapabilities(ctx, &csi.NodeGetCapabilitiesRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := csi.NewControllerClient(dial(nodeSock)).ControllerGetCapabilities(ctx, &csi.ControllerGetCapabilitiesRequest{}); err == nil {
		t.Error("the node plugin serves the Controller service")
	}
	capab := &csi.VolumeCapability{AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
		AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}}}
	vol, err := c.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pvc-1", VolumeCapabilities: []*csi.VolumeCapability{capab}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ControllerPublishVolume(ctx, &csi.ControllerPublishVolumeRequest{VolumeId: vol.Volume.VolumeId, NodeId: "worker-1", VolumeCapability: capab}); err != nil {
		t.Fatalf("ControllerPublishVolume to the registered node: %v", err)
	}
	staging := filepath.Join(tmp, "staging")
	os.Mkdir(staging, 0o750)
	if _, err := n.NodeStageVolume(ctx, &csi.NodeStageVolumeRequest{VolumeId: vol.Volume.VolumeId, StagingTargetPath: staging, VolumeCapability: capab}); err != nil {
		t.Errorf("NodeStageVolume: %v", err)
	}
}

// TestCSIDriverUsage checks that bad flags are usage errors (exit code 2).
func TestCSIDriverUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--pool", "/p", "--mode", "both"},
		{"--pool", "/p", "--mode", "node", "--node-id", ""},
		{"--mode", "all"},
		{"--pool", "/p", "--backend", "nfs", "--node-id", "n"},
		{"--pool", "/p", "--mode", "controller", "--registration-dir", "/registration"},
		{"--pool", "/p", "--endpoint", "tcp://x:1"},
	} {
		root := newRootCommand()
		root.SetArgs(append([]string{"csi-driver"}, args...))
		if code := exitCode(root.Execute()); code != 2 {
			t.Errorf("csi-driver %v: exit code %d, want 2", args, code)
		}
	}
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
