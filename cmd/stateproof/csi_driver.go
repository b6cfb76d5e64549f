package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/stateproof/stateproof/fixtures/csi/dir"
	"github.com/stateproof/stateproof/fixtures/csi/driver"
	"github.com/stateproof/stateproof/fixtures/csi/image"
	"github.com/stateproof/stateproof/fixtures/csi/registrar"
	"github.com/stateproof/stateproof/fixtures/csi/state"
)

const csiDriverLong = `Serve stateproof's own CSI driver, ` + driver.Name + ` (CSI spec v1.13.0), on a unix socket:
volumes with snapshots, clones and online expansion on kind, where no network storage exists.
It runs until SIGINT or SIGTERM, then stops and removes its sockets.

Modes (--mode):
  controller  the Controller service (create, delete, attach, snapshot, clone, expand), beside
              the CSI sidecars (provisioner, attacher, snapshotter, resizer); one per cluster
  node        the Node service (stage, publish, expand, stats), beside the kubelet on every
              node; --node-id is required, and with --registration-dir it also registers with
              the kubelet (the node-driver-registrar's job)
  all         both in one process (tests, one-node clusters)
Every process of a cluster uses the same --pool, seen by every node at the same path: the
volumes' records (sizes, attachments, snapshots) live there, so a restarted controller knows
its volumes, and nodes know the volumes they stage.

Backends (--backend):
  image  each volume is a filesystem image file, <pool>/volumes/<id>.img (sparse), on a pool
         of a reflink-capable filesystem (xfs made with reflink=1, or btrfs). Snapshots, clones
         and restores are one FICLONE of the whole image: point-in-time, crash-consistent copies
         of a volume in use. A node attaches the image to a loop device and mounts it (it
         creates /dev/loop-control and /dev/loopN when missing); expansion grows the file, then
         the loop device and the mounted filesystem. Filesystems (fs_type, the StorageClass's
         csi.storage.k8s.io/fstype): xfs (default, 300 MiB at least) or ext4 (16 MiB at
         least; growing a mounted ext4 needs CAP_SYS_RESOURCE, otherwise it grows when next
         staged). Needs root, mkfs.xfs, xfs_growfs, mkfs.ext4, e2fsck, resize2fs, debugfs.
         It only writes, formats and mounts its own image files inside --pool, and only
         detaches loop devices bound to them.
  dir    each volume is a directory of the pool; snapshots and clones are copies; nodes mount
         nothing (staging and publishing are recorded, the target directory is created). For
         tests without root (csi-sanity in make test).

Access modes: single-node only (SINGLE_NODE_WRITER, SINGLE_NODE_SINGLE_WRITER,
SINGLE_NODE_MULTI_WRITER: ReadWriteOnce and ReadWriteOncePod). A volume is attached to one node
at a time: ControllerPublishVolume to a second node fails until the first is detached, and
only the node it is attached to can stage it, so Kubernetes fences it like network storage.

StorageClass parameter stateproof.io/defect=stale-snapshots (a deliberately bad class, for the
harness's self-test): the controller keeps a shadow copy of each such volume, refreshed every
10 s, and CreateSnapshot copies the shadow, so the volume's snapshots miss up to 10 s and more
of writes the application had acknowledged, while they report ready and the requested time.
A snapshot check that passes on this class checks nothing.

Logs: one line per CSI call (method, request without secrets, seconds, error) on stderr.`

func newCSIDriverCommand() *cobra.Command {
	var endpoint, nodeID, mode, backend, pool, regDir, kubeletEndpoint string
	cmd := &cobra.Command{
		Use:   "csi-driver",
		Short: "Serve stateproof's own CSI driver (" + driver.Name + ") on a unix socket",
		Long:  csiDriverLong,
		Example: `  stateproof csi-driver --mode controller --backend image --pool /var/lib/stateproof/csi-pool \
    --endpoint unix:///csi/csi.sock
  stateproof csi-driver --mode node --node-id "$NODE_NAME" --backend image --pool /var/lib/stateproof/csi-pool \
    --endpoint unix:///csi/csi.sock --registration-dir /registration \
    --kubelet-endpoint /var/lib/kubelet/plugins/csi.stateproof.io/csi.sock`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := driver.ParseMode(mode)
			if err != nil {
				return usageError{fmt.Errorf("--mode: %w", err)}
			}
			if pool == "" {
				return usageError{errors.New("--pool is required")}
			}
			if m != driver.ModeController && !state.ValidNodeID(nodeID) {
				return usageError{fmt.Errorf("--node-id %q: mode %s serves the node service and needs this node's name (or $NODE_NAME)", nodeID, m)}
			}
			if regDir != "" && m == driver.ModeController {
				return usageError{errors.New("--registration-dir registers a node plugin: it needs --mode node or all")}
			}
			if _, err := driver.SocketPath(endpoint); err != nil {
				return usageError{fmt.Errorf("--endpoint: %w", err)}
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			var b driver.Backend
			var stateDir string
			switch backend {
			case "image":
				ib, err := image.New(pool)
				if err != nil {
					return err
				}
				if !image.CanGrowExt4Online() {
					log.Warn("no CAP_SYS_RESOURCE: mounted ext4 volumes cannot grow (they grow when next staged); xfs volumes can")
				}
				b, stateDir = ib, ib.StateDir()
			case "dir":
				db, err := dir.New(pool, nodeID)
				if err != nil {
					return err
				}
				b, stateDir = db, db.StateDir()
			default:
				return usageError{fmt.Errorf("--backend %q: want image or dir", backend)}
			}
			store, err := state.Open(stateDir)
			if err != nil {
				return err
			}
			d, err := driver.New(driver.Config{Mode: m, NodeID: nodeID, Backend: b, Store: store, Version: stateproofVersion(), Logger: log})
			if err != nil {
				return usageError{err}
			}
			return serveCSI(cmd.Context(), endpoint, d, regDir, kubeletEndpoint, log)
		},
	}
	f := cmd.Flags()
	f.StringVar(&endpoint, "endpoint", "unix:///csi/csi.sock", "unix socket to serve CSI on (unix:///path or an absolute path; its directory must exist)")
	f.StringVar(&nodeID, "node-id", os.Getenv("NODE_NAME"), "this node's ID, the Kubernetes node name (modes node and all; default $NODE_NAME)")
	f.StringVar(&mode, "mode", "all", "services to serve: controller, node or all")
	f.StringVar(&backend, "backend", "image", "where volumes live: image (filesystem image files, for kind) or dir (directories, for tests)")
	f.StringVar(&pool, "pool", "", "the pool directory every node sees at the same path (image: on xfs with reflink=1 or btrfs)")
	f.StringVar(&regDir, "registration-dir", "", "the kubelet's plugins_registry as mounted here (for instance /registration): register the node plugin with the kubelet; empty: do not")
	f.StringVar(&kubeletEndpoint, "kubelet-endpoint", "/var/lib/kubelet/plugins/"+driver.Name+"/csi.sock", "the CSI socket as the kubelet sees it, for the registration")
	return cmd
}

// serveCSI serves the driver and, with a registration directory, the kubelet registration,
// until ctx is done or one of them fails (which stops the other).
func serveCSI(ctx context.Context, endpoint string, d *driver.Driver, regDir, kubeletEndpoint string, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	n := 1
	go func() { errs <- driver.Serve(ctx, endpoint, d) }()
	if regDir != "" {
		n++
		go func() {
			errs <- registrar.Serve(ctx, registrar.Config{KubeletEndpoint: kubeletEndpoint, Dir: regDir, Logger: log})
		}()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}
