#!/bin/sh
# engine.sh: the Docker client against a real dockerd on the host. This
# script starts a private dockerd (its own socket, data and exec roots,
# no iptables), runs test-engine against it, and stops it by its PID.
# No registry is reachable: the test image is busybox-static, imported.

. "${TOP_SRCDIR}/tests/lib.sh"

[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"
. "${TOP_SRCDIR}/tests/docker/dockerd.sh"
mkdir -p "$scratch/rootfs/bin"

cp /bin/busybox "$scratch/rootfs/bin/"
for c in sh echo cat sleep ls; do ln -sf busybox "$scratch/rootfs/bin/$c"; done
tar -C "$scratch/rootfs" -cf "$scratch/rootfs.tar" .

BERTH_TEST_DOCKER="$docker_host" BERTH_TEST_ROOTFS="$scratch/rootfs.tar" \
	BERTH_TEST_SCRATCH="$scratch" "$(dirname "$BERTH")/../tests/docker/test-engine"
status=$?
[ $status -eq 0 ] || tail -n 20 "$dockerd_dir/log" | diag
exit $status
