#!/bin/sh
# The front page: wrap what the app service produced.
body=$(wget -q -O - "$APP_URL/cgi-bin/page")
# the title is a setting (environments change it), escaped for HTML
title=$(printf '%s' "${TITLE:-berth demo}" |
	sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
printf 'Content-Type: text/html\r\n\r\n'
cat <<HTML
<!doctype html>
<html><head><title>$title</title></head>
<body>
<h1 id="title">$title</h1>
${body:-<p>The web front could not reach the app service at $APP_URL.</p>}
<p><small>web &rarr; app &rarr; data, three containers in one VM.</small></p>
</body></html>
HTML
