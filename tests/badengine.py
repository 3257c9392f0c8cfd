#!/usr/bin/env python3
"""badengine.py SOCKET MODE: a misbehaving Docker engine on a unix socket.

It answers as Engine 20.10 would, except for what MODE makes it do wrong:
  stall          accept, read the request, never answer (not even /_ping)
  stall-post     answer reads with empty lists; never answer a POST
  endless-logs   one container; its log stream never ends
  huge-frame     one container; a log frame header claims 0x7fffffff bytes
  escapes        names, states and labels full of terminal escape sequences
  version-abc    Api-Version: abc
  version-nul    Api-Version: 1.41%00
  version-old    Api-Version: 1.40
  removing       one container, whose removal another client started: a
                 DELETE answers 409, and the container is gone after it
  endless-save   an image that exists; saving it streams without end
It serves until killed (the test stops it by its PID).
"""
import json
import os
import socketserver
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler

sock, mode = sys.argv[1], sys.argv[2]
ESC = "\x1b[2J\x1b]52;c;ZXZpbA==\x07"
LABELS = {"berth.workspace": "bad", "berth.service": "svc",
          "berth.replica": "1"}


def container():
    labels = dict(LABELS)
    name = "/bad-svc-1"
    state = "running"
    if mode == "escapes":
        labels["berth.service"] = "svc" + ESC
        name = "/bad-svc-1" + ESC
        state = "running" + ESC
    return {"Id": "c0ffee" * 10 + "abcd", "Names": [name], "Image": "x",
            "State": state, "Status": "Up 1 minute", "Labels": labels}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def version(self):
        return {"version-abc": "abc", "version-nul": "1.41%00",
                "version-old": "1.40"}.get(mode, "1.41")

    def send(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Api-Version", self.version())
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def stall(self):
        time.sleep(3600)

    def do_GET(self):
        path = self.path.split("?")[0]
        if mode == "stall":
            return self.stall()
        if path == "/_ping":
            return self.send(200, b"OK", "text/plain")
        if path.endswith("/containers/json"):
            has = mode in ("endless-logs", "huge-frame", "escapes",
                           "removing")
            return self.send(200, [container()] if has else [])
        if "/containers/" in path and path.endswith("/json") and \
                mode == "removing" and getattr(Handler, "deleted", False):
            return self.send(404, {"message": "No such container"})
        if "/containers/" in path and path.endswith("/json"):
            c = container()
            c["State"] = {"Status": c["State"], "Health": None}
            c["HostConfig"] = {"PortBindings": {}}
            c["RestartCount"] = 0
            return self.send(200, c)
        if path.endswith("/logs"):
            return self.logs()
        if mode == "endless-save" and path.startswith("/images/") and \
                path.endswith("/json"):
            return self.send(200, {"Id": "sha256:" + "ab" * 32,
                                   "RepoDigests": [], "Size": 1024})
        if mode == "endless-save" and path.endswith("/get"):
            return self.endless(b"\0" * 65536)
        if path.endswith("/volumes"):
            return self.send(200, {"Volumes": []})
        return self.send(200, [])

    def endless(self, chunk):
        self.send_response(200)
        self.send_header("Api-Version", self.version())
        self.send_header("Content-Type", "application/x-tar")
        self.end_headers()
        try:
            while True:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def logs(self):
        self.send_response(200)
        self.send_header("Api-Version", self.version())
        self.send_header("Content-Type", "application/vnd.docker.raw-stream")
        self.end_headers()
        try:
            if mode == "huge-frame":
                self.wfile.write(struct.pack(">BxxxI", 1, 0x7fffffff))
                line = b"x" * 65536
                while True:
                    self.wfile.write(line)
            line = b"2026-12-02T00:00:00.000000000Z a line\n"
            frame = struct.pack(">BxxxI", 1, len(line)) + line
            while True:
                self.wfile.write(frame * 256)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        if mode in ("stall", "stall-post"):
            return self.stall()
        return self.send(201, {"Id": "x" * 64})

    def do_DELETE(self):
        if mode == "removing":
            Handler.deleted = True
            return self.send(409, {"message": "removal of container is "
                                   "already in progress"})
        return self.do_POST()


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(sock):
    os.unlink(sock)
with Server(sock, Handler) as server:
    server.serve_forever()
