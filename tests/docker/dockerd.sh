# dockerd.sh: a private dockerd for a test, sourced after lib.sh. Its own
# socket, data and exec roots, and address pool, so it touches nothing of
# the host's engine; it is stopped by its PID when the test ends. Sets
# $docker_host (unix://...) and $docker_sock.

[ "$(id -u)" -eq 0 ] || skip_all "dockerd needs root"
command -v dockerd >/dev/null 2>&1 || skip_all "dockerd is not installed (docker.io)"

dockerd_dir="$scratch/d"
docker_sock="$dockerd_dir/docker.sock"
docker_host="unix://$docker_sock"
mkdir -p "$dockerd_dir"
# a pool per test run, so that two private engines never share a subnet
pool="10.$((150 + $$ % 100)).0.0/16"
start_dockerd() {
	dockerd --host "$docker_host" --data-root "$dockerd_dir/data" \
		--exec-root "$dockerd_dir/exec" --pidfile "$dockerd_dir/docker.pid" \
		--default-address-pool "base=$pool,size=24" \
		--iptables=false --ip-masq=false --bridge=none \
		>>"$dockerd_dir/log" 2>&1 &
	dockerd_pid=$!
	for _ in $(seq 150); do
		curl -s --unix-socket "$docker_sock" http://d/_ping 2>/dev/null |
			grep -qx OK && return 0
		sleep 0.2
	done
	return 1
}
stop_dockerd() {
	kill "$dockerd_pid" 2>/dev/null
	wait "$dockerd_pid" 2>/dev/null
	# the engine's mounts (netns, overlay) are gone once it stopped
	rm -rf "$scratch"
}
# restart_dockerd: stop ours (by its PID) and start it again, data kept
restart_dockerd() {
	kill "$dockerd_pid" 2>/dev/null
	wait "$dockerd_pid" 2>/dev/null
	start_dockerd
}
trap stop_dockerd EXIT
start_dockerd || {
	tail -n 20 "$dockerd_dir/log" | diag
	echo "Bail out! the private dockerd did not start"
	exit 1
}

# api GET|POST|DELETE PATH: the engine's answer, for checks.
api() {
	curl -s --unix-socket "$docker_sock" -X "$1" "http://d/v1.41$2"
}
