# deps.sh: the Debian packages berth needs, and installing the missing ones.
# Sourced by scripts/try and scripts/test.

# To build berth.
BUILD_PACKAGES="autoconf automake make gcc pkg-config
	libvirt-dev libcurl4-openssl-dev libconfig-dev libncurses-dev
	libjansson-dev libssl-dev libarchive-dev libisofs-dev libxml2-dev libyaml-dev"
# To build boxes from Debian's packages ('berth box build').
BOX_PACKAGES="mmdebstrap debootstrap e2fsprogs qemu-utils"
# To run workspace VMs: libvirt, QEMU, OpenSSH's client for 'berth ssh',
# dnsmasq for libvirt's NAT network (vm.network = "nat"), a static busybox,
# from which berth makes the berth/busybox image with no registry, and curl
# to fetch the demo's page.
VM_PACKAGES="libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
	openssh-client dnsmasq-base iptables busybox-static curl"
# To run the test tiers: a local HTTP server and archives (python3), QEMU
# to boot a built box, a real dockerd, tmux to drive the dashboard, and
# docker-compose as the reference berth reads compose files against, and
# an sshd that the remote-host test starts on loopback as a libvirt host.
TEST_PACKAGES="bash man-db python3 qemu-system-x86 curl docker.io
	tmux clang libclang-rt-14-dev valgrind openssl iproute2 time
	docker-compose python3-yaml openssh-server"

missing_packages() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

# install_packages PKG...: install what is missing, as root; otherwise print
# the exact command to run and fail.
install_packages() {
	# shellcheck disable=SC2046
	missing=$(missing_packages $@ | tr '\n' ' ')
	[ -n "${missing% }" ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "berth: missing Debian packages: $missing" >&2
		echo "hint: run as root, or first: sudo apt-get install -y $missing" >&2
		return 1
	fi
	echo "==> installing $missing"
	export DEBIAN_FRONTEND=noninteractive
	# no service starts behind our back (docker.io would start a dockerd):
	# the tests start what they need, by PID
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		policy=1
	fi
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
	status=$?
	[ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
	return $status
}

# prepare_libvirt: have libvirtd and virtlogd running, as root. Machines
# without systemd as PID 1 (containers, CI) need them started by hand.
prepare_libvirt() {
	[ "$(id -u)" -eq 0 ] || return 0
	# Debian's udev rule makes /dev/kvm mode 0666, group kvm. Without udev
	# it stays root-only, and libvirt, finding KVM advertised but not
	# usable by QEMU's user, probes QEMU anew on every call (~50 s each).
	if [ -c /dev/kvm ] && [ "$(stat -c %a /dev/kvm)" = 600 ]; then
		chgrp kvm /dev/kvm 2>/dev/null && chmod 0666 /dev/kvm
	fi
	if [ -d /run/systemd/system ]; then
		systemctl start virtlogd libvirtd
	else
		pgrep -x virtlogd >/dev/null || virtlogd -d
		pgrep -x libvirtd >/dev/null || libvirtd -d
	fi
	for _ in $(seq 50); do
		virsh -c qemu:///system uri >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "berth: libvirtd does not answer on qemu:///system" >&2
	return 1
}
