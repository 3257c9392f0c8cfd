#!/usr/bin/env python3
"""httpd.py: a small HTTP server on 127.0.0.1 for the download tests.

usage: httpd.py ROOT PORTFILE LOGFILE [--cut-after N]

Serves ROOT with HTTP Range support, writes its port to PORTFILE, and logs
each request with its Range header to LOGFILE. With --cut-after N, the
first full response of each path stops after N bytes, as a dropped
connection would. It exits by itself after ten minutes.
"""
import http.server
import os
import sys
import threading

root, portfile, logfile = sys.argv[1:4]
cut = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == '--cut-after' else 0
cut_done = set()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        rng = self.headers.get('Range', '')
        with open(logfile, 'a') as f:
            f.write('%s %s\n' % (self.path, rng or '-'))
        path = os.path.join(root, self.path.lstrip('/').split('?')[0])
        if '..' in self.path or not os.path.isfile(path):
            self.send_error(404)
            return
        size = os.path.getsize(path)
        start = 0
        if rng.startswith('bytes='):
            start = int(rng[6:].split('-')[0])
            if start >= size:
                self.send_response(416)
                self.send_header('Content-Range', 'bytes */%d' % size)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header('Content-Range', 'bytes %d-%d/%d' % (start, size - 1, size))
        else:
            self.send_response(200)
        self.send_header('Content-Length', str(size - start))
        self.end_headers()
        with open(path, 'rb') as f:
            f.seek(start)
            left = size - start
            if cut and not rng and self.path not in cut_done:
                cut_done.add(self.path)
                left = min(left, cut)
                self.wfile.write(f.read(left))
                self.wfile.flush()
                self.close_connection = True
                return
            while left > 0:
                chunk = f.read(min(left, 1 << 16))
                self.wfile.write(chunk)
                left -= len(chunk)


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
with open(portfile + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + '.tmp', portfile)
threading.Timer(600, server.shutdown).start()
server.serve_forever()
