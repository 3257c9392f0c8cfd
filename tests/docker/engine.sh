#!/bin/sh
# engine.sh: the Docker client against a real dockerd on the host. This
# script starts a private dockerd (its own socket, data and exec roots,
# no iptables), runs test-engine against it, and stops it by its PID.
# No registry is reachable: the test image is busybox-static, imported.

. "${TOP_SRCDIR}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "dockerd needs root"
command -v dockerd >/dev/null 2>&1 || skip_all "dockerd is not installed (docker.io)"
[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"

d="$scratch/d"
mkdir -p "$d" "$scratch/rootfs/bin"
dockerd --host "unix://$d/docker.sock" --data-root "$d/data" \
	--exec-root "$d/exec" --pidfile "$d/docker.pid" \
	--iptables=false --ip-masq=false --bridge=none >"$d/log" 2>&1 &
dockerd_pid=$!
stop_dockerd() {
	kill "$dockerd_pid" 2>/dev/null
	wait "$dockerd_pid" 2>/dev/null
	rm -rf "$scratch"
}
trap stop_dockerd EXIT
for _ in $(seq 150); do
	curl -s --unix-socket "$d/docker.sock" http://d/_ping 2>/dev/null |
		grep -qx OK && break
	sleep 0.2
done

cp /bin/busybox "$scratch/rootfs/bin/"
for c in sh echo cat sleep ls; do ln -sf busybox "$scratch/rootfs/bin/$c"; done
tar -C "$scratch/rootfs" -cf "$scratch/rootfs.tar" .

BERTH_TEST_DOCKER="unix://$d/docker.sock" BERTH_TEST_ROOTFS="$scratch/rootfs.tar" \
	BERTH_TEST_SCRATCH="$scratch" "$(dirname "$BERTH")/../tests/docker/test-engine"
status=$?
[ $status -eq 0 ] || tail -n 20 "$d/log" | diag
exit $status
