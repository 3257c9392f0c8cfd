#!/bin/sh
# docs.sh: the man page, the bash completion and the README cover every
# command in the table, and the completion really completes.

. "${TOP_SRCDIR}/tests/lib.sh"

man="$TOP_SRCDIR/src/berth.1"
comp="$TOP_SRCDIR/src/completion/berth"
readme="$TOP_SRCDIR/README.md"

"$BERTH" help --commands >"$scratch/commands"
# the completion asks berth for the options of a command
PATH="$(dirname "$BERTH"):$PATH"
export PATH
while read -r cmd; do
	grep -q "^\.SS \"*berth $cmd\b" "$man"
	ok $? "berth(1) has a section for $cmd"
	grep -q "^### \`berth $cmd\b" "$readme"
	ok $? "README's command reference has $cmd"
done <"$scratch/commands"

# The completion offers exactly the commands of the table.
if command -v bash >/dev/null 2>&1; then
	got=$(bash -c '
		. "$1"
		COMP_WORDS=(berth "")
		COMP_CWORD=1
		_berth
		printf "%s\n" "${COMPREPLY[@]}" | sort' sh "$comp")
	want=$(grep -v ' ' "$scratch/commands" | sort)
	[ "$got" = "$want" ]
	ok $? "bash completion offers every command"
	got=$(bash -c '
		. "$1"
		COMP_WORDS=(berth box "")
		COMP_CWORD=2
		_berth
		printf "%s\n" "${COMPREPLY[@]}" | sort' sh "$comp")
	want=$(sed -n 's/^box //p' "$scratch/commands" | sort)
	[ "$got" = "$want" ]
	ok $? "bash completion offers every box command"
	got=$(bash -c '
		. "$1"
		COMP_WORDS=(berth init --t)
		COMP_CWORD=2
		_berth
		printf "%s\n" "${COMPREPLY[@]}"' sh "$comp")
	[ "$got" = "--template" ]
	ok $? "bash completion completes an option of a command"
fi

# Each command's options come from its table: --help lists them, the man
# page documents them, and the completion offers exactly them.
while read -r cmd; do
	"$BERTH" help --options $cmd >"$scratch/opts" 2>/dev/null
	ok $? "help --options $cmd"
	"$BERTH" help $cmd >"$scratch/help"
	for opt in $(grep -v '^--help$' "$scratch/opts"); do
		grep -q -- "$opt" "$scratch/help"
		ok $? "berth help $cmd lists $opt"
		sed -n "/^\.SS \"*berth $cmd\b/,/^\.SS/p" "$man" |
			sed 's/\\-/-/g' | grep -q -- "$opt"
		ok $? "berth(1) documents $opt of $cmd"
	done
	if command -v bash >/dev/null 2>&1; then
		got=$(bash -c '
			. "$1"
			COMP_WORDS=(berth $2 -)
			COMP_CWORD=${#COMP_WORDS[@]}
			COMP_CWORD=$((COMP_CWORD - 1))
			_berth
			printf "%s\n" "${COMPREPLY[@]}" | sort' sh "$comp" "$cmd")
		[ "$got" = "$(sort "$scratch/opts")" ]
		ok $? "bash completion offers the options of $cmd"
	fi
done <"$scratch/commands"

if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man -l "$man" >/dev/null 2>"$scratch/man.err"
	! grep -q . "$scratch/man.err"
	ok $? "berth(1) renders without warnings"
	diag < "$scratch/man.err"
fi

done_testing
