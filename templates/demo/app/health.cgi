#!/bin/sh
# Healthy when the data service answers.
printf 'Content-Type: text/plain\r\n\r\n'
wget -q -O - "$DATA_URL/cgi-bin/kv?key=health" >/dev/null && echo ok
