# scripts/test-trees.sh: build and check one build tree; sourced by
# scripts/test, also for the builds it runs aside. Needs $top and $jobs.

build_tree() {	# build_tree BUILDDIR CONFIGURE-FLAGS...
	dir=$1
	shift
	echo "==> $dir: configure $*"
	mkdir -p "$dir"
	rm -f "$dir"/tests/*/*.trs "$dir"/tests/*/*.log	# count this run only
	(cd "$dir" && "$top/configure" -q "$@" >/dev/null) || return 1
	echo "==> $dir: build"
	make -s -C "$dir" -j"$jobs" >/dev/null
}
check_tree() {	# check_tree BUILDDIR MAKE-CHECK-ARGS
	echo "==> $1: make check $2"
	# shellcheck disable=SC2086
	make -s -C "$1" -j"$jobs" check $2 >/dev/null 2>&1 || {
		# show what failed, not the whole log
		grep -h -B2 -A20 '^\(not ok\|Bail out\)' \
			"$1"/tests/*/*.log 2>/dev/null | head -n 200
		return 1
	}
}
