#!/bin/sh
# A key-value store over HTTP: ?key=K reads K, ?key=K&incr=1 adds one.
# Each key is a file in /data, the named volume, so values survive restarts.
key=$(echo "$QUERY_STRING" | sed -n 's/.*key=\([a-z0-9_-]*\).*/\1/p')
printf 'Content-Type: text/plain\r\n\r\n'
[ -n "$key" ] || { echo "missing key"; exit 0; }
file="/data/$key"
case "$QUERY_STRING" in
*incr=1*)
	# mkdir is atomic, so concurrent visits take turns and none is lost;
	# a lock left by a killed request is broken after about 5 s
	tries=0
	until mkdir "$file.lock" 2>/dev/null; do
		tries=$((tries + 1))
		[ $tries -lt 100 ] || rmdir "$file.lock"
		sleep 0.05
	done
	n=$(cat "$file" 2>/dev/null || echo 0)
	echo $((n + 1)) > "$file.tmp" && mv "$file.tmp" "$file"
	rmdir "$file.lock"
	;;
esac
cat "$file" 2>/dev/null || echo 0
