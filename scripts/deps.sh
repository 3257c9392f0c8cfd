# deps.sh: the Debian packages berth needs, and installing the missing ones.
# Sourced by scripts/try and scripts/test.

# To build berth.
BUILD_PACKAGES="autoconf automake make gcc pkg-config
	libvirt-dev libcurl4-openssl-dev libconfig-dev libncurses-dev
	libjansson-dev libssl-dev libarchive-dev libisofs-dev"
# To build boxes from Debian's packages ('berth box build').
BOX_PACKAGES="debootstrap e2fsprogs qemu-utils"
# To run the test tiers: a local HTTP server and archives (python3), and
# QEMU to boot a built box.
TEST_PACKAGES="bash man-db python3 qemu-system-x86"

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
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
}
