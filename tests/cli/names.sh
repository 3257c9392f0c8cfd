#!/bin/sh
# names.sh: names a user (or a Berthfile from elsewhere) gives berth reach
# domain XML, cloud-init shell lines, container names and file paths. Each
# hostile one (quotes, '<', '../', a newline, a command substitution) is
# refused with a message that names the setting, before anything is made.

. "${TOP_SRCDIR}/tests/lib.sh"

export BERTH_HOME="$scratch/home"
ws="$scratch/ws"
mkdir -p "$ws"
pwned="$scratch/pwned"
nl='
'
# one per line; the newline case is added by hand below
hostile="a'b
a\"b
a<b>
../up
a;b
\$(touch $pwned)"

# bf SETTING-LINES: a Berthfile whose workspace is otherwise fine
bf() {
	printf 'workspace = "fine";\nvm = { box = "debian-12"; uri = "test:///default"; %s };\n%s\n' \
		"$1" "$2" >"$ws/Berthfile"
}

# refused DESCRIPTION PATTERN CMD...: exit 1 or 2, the pattern in the
# message, and nothing made in the workspace or the store
refused() {
	desc=$1 pattern=$2
	shift 2
	run "$@"
	[ $rc -eq 1 ] || [ $rc -eq 2 ]
	r1=$?
	printf '%s\n' "$out" | grep -q -- "$pattern"
	r2=$?
	[ ! -e "$ws/.berth" ] && [ ! -e "$BERTH_HOME/boxes" ] && [ ! -e "$pwned" ]
	ok $((r1 + r2 + $?)) "$desc" || printf '%s\n' "$out" | diag
}

check_name() {
	n=$1 shown=$2	# shown: how the message quotes it
	# a Berthfile's own escape for the quote and the newline
	q=$(printf '%s' "$n" | sed 's/"/\\"/g')
	printf 'workspace = "%s";\nvm = { box = "debian-12"; uri = "test:///default"; };\n' \
		"$q" >"$ws/Berthfile"
	refused "workspace [$shown]: refused by up" "workspace: .* is not a valid name" \
		"$BERTH" -C "$ws" up
	bf "" "stack = { services = ( { name = \"$q\"; image = \"busybox\"; } ); };"
	refused "service [$shown]: refused" "name: .* is not a valid service name" \
		"$BERTH" -C "$ws" up
	bf "" "stack = { networks = [ \"$q\" ]; volumes = [ \"$q\" ]; };"
	refused "network and volume [$shown]: refused" "stack.volumes\[0\]: .* is not a valid name" \
		"$BERTH" -C "$ws" validate
	bf "shared = [ \"/tmp:/mnt/$q\" ];" ""
	case $n in
	../*)	# /mnt/../up is /up: still absolute, nothing to refuse
		run "$BERTH" -C "$ws" validate
		ok $rc "shared guest folder [$shown]: normalized, and fine" ;;
	*)	refused "shared guest folder [$shown]: refused" \
			"guest folder .* may hold only" "$BERTH" -C "$ws" validate ;;
	esac
	refused "init --name [$shown]: refused" "not a valid workspace name" \
		"$BERTH" init --name "$n" "$scratch/new"
	[ ! -e "$scratch/new" ]
	ok $? "init [$shown] made no folder"
	refused "box add --name [$shown]: refused" "not a valid box name" \
		"$BERTH" box add /dev/null --name "$n"
	bf "" ""
	refused "snapshot save [$shown]: refused" "is not a snapshot name" \
		"$BERTH" -C "$ws" snapshot save "$n"
	refused "a service argument [$shown]: refused" "is not a service of workspace" \
		"$BERTH" -C "$ws" logs "$n"
}

set -f
IFS=$nl
for n in $hostile; do
	IFS=' 	'
	check_name "$n" "$n"
done
IFS=' 	
'
set +f
check_name "a${nl}b" 'a\nb'
printf 'workspace = "a\nb";\n' >"$ws/Berthfile"
"$BERTH" -C "$ws" validate 2>&1 | grep -q 'workspace: "a\\nb" is not a valid name'
ok $? "a newline in a name is shown as \\n, not sent to the terminal"

done_testing
