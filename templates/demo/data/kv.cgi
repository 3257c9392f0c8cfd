#!/bin/sh
# A key-value store over HTTP: ?key=K reads K, ?key=K&incr=1 adds one.
# Each key is a file in /data, the named volume, so values survive restarts.
key=$(echo "$QUERY_STRING" | sed -n 's/.*key=\([a-z0-9_-]*\).*/\1/p')
printf 'Content-Type: text/plain\r\n\r\n'
[ -n "$key" ] || { echo "missing key"; exit 0; }
file="/data/$key"
case "$QUERY_STRING" in
*incr=1*)
	# flock serialises concurrent visits, so no count is lost
	flock "$file.lock" sh -c '
		n=$(cat "$1" 2>/dev/null || echo 0)
		echo $((n + 1)) > "$1.tmp" && mv "$1.tmp" "$1"' sh "$file"
	;;
esac
cat "$file" 2>/dev/null || echo 0
