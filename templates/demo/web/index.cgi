#!/bin/sh
# The front page: wrap what the app service produced.
body=$(wget -q -O - "$APP_URL/cgi-bin/page")
printf 'Content-Type: text/html\r\n\r\n'
cat <<HTML
<!doctype html>
<html><head><title>berth demo</title></head>
<body>
<h1>berth demo</h1>
${body:-<p>The web front could not reach the app service at $APP_URL.</p>}
<p><small>web &rarr; app &rarr; data, three containers in one VM.</small></p>
</body></html>
HTML
