#!/bin/sh
# dash.sh: 'berth dash' in a real terminal (a tmux pane on a private tmux
# server) against a stack on a private dockerd: it lists the services,
# shows a container's new line within 2 s, restarts a container with 'r',
# survives resizing, answers keys while the engine stalls, switches to
# the folder's other environment with 'E', and 'q' leaves the terminal as
# it found it.

. "${TOP_SRCDIR}/tests/lib.sh"

[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
. "${TOP_SRCDIR}/tests/docker/dockerd.sh"

ws="bdash-$$"
dir="$scratch/ws"
mkdir -p "$dir/ctx"
printf 'FROM berth/busybox\nSTOPSIGNAL SIGKILL\n' >"$dir/ctx/Dockerfile"
cat >"$dir/Berthfile" <<EOF
workspace = "$ws";
stack = { services = (
  { name = "talker"; build = "ctx"; image = "$ws/img";
    command = [ "sh", "-c", "echo talker up; while true; do if [ -f /tmp/say ]; then cat /tmp/say; rm /tmp/say; fi; sleep 0.1; done" ]; },
  { name = "idle"; image = "$ws/img"; command = [ "sleep", "86400" ]; }
); };
EOF
b() { "$BERTH" -C "$dir" -H "$docker_host" "$@"; }
t() { tmux -L "berth-test-$$" "$@"; }
cleanup_dash() {
	kill -CONT "$dockerd_pid" 2>/dev/null	# stopped below, should that fail
	t kill-server >/dev/null 2>&1
	b down --volumes >/dev/null 2>&1
	b -e two down --volumes >/dev/null 2>&1
	stop_dockerd
}
trap cleanup_dash EXIT

b up >"$scratch/up.out" 2>&1
ok $? "the stack is up"
restarts() {
	api GET "/containers/$ws-talker-1/json" | python3 -c '
import json, sys; print(json.load(sys.stdin)["State"]["StartedAt"])'
}
# screen_has TEXT SECONDS: the pane shows TEXT within SECONDS
screen_has() {
	end=$(($(date +%s%N) + $2 * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		t capture-pane -p -t dash >"$scratch/screen" 2>/dev/null
		grep -q -- "$1" "$scratch/screen" && return 0
		sleep 0.1
	done
	return 1
}

t new-session -d -s dash -x 100 -y 30 \
	"cd '$dir' && stty -a >'$scratch/stty.before'; '$BERTH' -H '$docker_host' dash; echo rc=\$? >'$scratch/rc'; stty -a >'$scratch/stty.after'; sleep 60"
screen_has "talker/1 *running" 10 && grep -q "idle/1 *running" "$scratch/screen"
ok $? "dash lists every service with its state"
grep -q "engine $docker_host: connected" "$scratch/screen"
ok $? "the header says which engine, and that it is connected"

b exec talker sh -c "echo said-$$ > /tmp/say"
screen_has "talker | said-$$" 2
ok $? "a line a container prints shows within 2 s"

before=$(restarts)
t send-keys -t dash j	# rows are sorted: idle, then talker
t send-keys -t dash r
screen_has "restart $ws-talker-1? (y/n)" 3
ok $? "r asks before restarting"
t send-keys -t dash y
end=$(($(date +%s) + 10))
while [ "$(restarts)" = "$before" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.2; done
[ "$(restarts)" != "$before" ]
ok $? "r on a row restarts that container (the engine says so)"
screen_has "restart $ws-talker-1: done" 5
ok $? "and says it did"

t resize-window -t dash -x 60 -y 20
sleep 1
screen_has "berth dash" 3 && [ "$(t display -p -t dash '#{pane_dead}')" = 0 ]
ok $? "it keeps running at 60x20"
t resize-window -t dash -x 100 -y 30
screen_has "idle/1 *running" 3
ok $? "and redraws at 100x30 again"

# The engine stalls (our dockerd, SIGSTOP) just after an event, as an
# engine in a paused VM does: the containers are read back on the
# engine's own thread, so the screen still answers keys.
api POST "/containers/$ws-idle-1/kill?signal=WINCH" >/dev/null
sleep 0.1
kill -STOP "$dockerd_pid"
sleep 0.5	# the read-back is due 0.2 s after the event: now it waits
t send-keys -t dash '?'
screen_has "berth dash: keys" 3
ok $? "with the engine stalled after an event, a key is still answered" ||
	diag <"$scratch/screen"
t send-keys -t dash x
kill -CONT "$dockerd_pid"
screen_has "talker/1 *running" 10
ok $? "and once it answers again, the services show" || diag <"$scratch/screen"

# The engine restarted under a running dash and 'logs -f': both notice,
# reconnect by themselves, and carry on.
"$BERTH" -C "$dir" -H "$docker_host" logs -f talker >"$scratch/follow.out" \
	2>"$scratch/follow.err" &	# berth itself, so that $! is its PID
follow=$!
sleep 1
restart_dockerd
ok $? "the engine restarts (its PID, ours)"
screen_has "lost (.*), reconnecting" 5 || grep -q "reconnecting" "$scratch/follow.err"
screen_has "engine $docker_host: connected" 15
ok $? "dash is connected again"
b up >/dev/null 2>&1	# no restart policy: the daemon's restart stopped them
screen_has "talker/1 *running" 10
ok $? "and shows the service running again"
b exec talker sh -c "echo after-restart-$$ > /tmp/say"
end=$(($(date +%s) + 15))
while ! grep -q "after-restart-$$" "$scratch/follow.out" && [ "$(date +%s)" -lt "$end" ]; do
	sleep 0.2
done
kill -0 $follow 2>/dev/null && grep -q "after-restart-$$" "$scratch/follow.out"
ok $? "logs -f is still running and shows a line printed after the restart"
grep -q "reconnected" "$scratch/follow.err"
ok $? "having said it reconnected" || diag <"$scratch/follow.err"
screen_has "talker | after-restart-$$" 5
ok $? "and dash shows that line too"
kill $follow 2>/dev/null
wait $follow 2>/dev/null

# E: the folder's other environment, then back
b -e two up >"$scratch/up2.out" 2>&1
ok $? "a second environment of the folder is up" || diag <"$scratch/up2.out"
t send-keys -t dash E
screen_has "berth dash | $ws-two |" 5 && screen_has "talker/1 *running" 10
ok $? "E switches the dashboard to it, its services listed"
b -e two exec talker sh -c "echo in-two-$$ > /tmp/say"
screen_has "talker | in-two-$$" 3
ok $? "and its logs follow"
t send-keys -t dash E
screen_has "berth dash | $ws |" 5
ok $? "E again comes back to the default environment" || diag <"$scratch/screen"

t send-keys -t dash '?'
screen_has "berth dash: keys" 3
ok $? "? shows the keys"
t send-keys -t dash x q
end=$(($(date +%s) + 10))
while [ ! -s "$scratch/rc" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.2; done
[ "$(cat "$scratch/rc" 2>/dev/null)" = rc=0 ]
ok $? "q exits 0"
[ "$(t display -p -t dash '#{alternate_on}')" = 0 ]
ok $? "the terminal has left the dashboard's screen"
sleep 0.5
grep -q ' icanon' "$scratch/stty.after" && grep -q ' echo ' "$scratch/stty.after"
ok $? "and is back in its usual mode (icanon, echo)"

"$BERTH" -C "$dir" -H "$docker_host" dash </dev/null >"$scratch/notty" 2>&1
[ $? -eq 1 ] && grep -q "needs a terminal" "$scratch/notty"
ok $? "without a terminal it says so"

done_testing
