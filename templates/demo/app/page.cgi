#!/bin/sh
# The page body: count this visit in the data service, then say so.
n=$(wget -q -O - "$DATA_URL/cgi-bin/kv?key=visits&incr=1")
printf 'Content-Type: text/html\r\n\r\n'
if [ -z "$n" ]; then
	echo "<p>The app could not reach the data service at $DATA_URL.</p>"
	exit 0
fi
echo "<p>Hello from the app service (container $(hostname)).</p>"
echo "<p>This page has been visited <b id=\"visits\">$n</b> times;"
echo "the data service keeps the count in its volume.</p>"
