#!/usr/bin/env python3
"""A deliberately odd HTTP server for qemu-tests/host/test-http.sh.

Serves files from a directory, with behaviour chosen by the first path
segment:
  /chunked/FILE   HTTP/1.1, Transfer-Encoding: chunked, random chunk sizes,
                  chunk extensions and a trailer
  /norange/FILE   ignores Range and If-Range: always 200 with the whole file
  /short/FILE     Content-Length 1000 bytes more than it sends, then closes
  /cut/FILE       correct Content-Length, but closes after CUT_AT bytes
  /close/FILE     HTTP/1.0 without Content-Length: the body ends at the close
Every request is logged to stdout as "req PATH range=... if-range=...".

usage: http-oddserver.py ADDR PORT DIR
"""
import os
import random
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CUT_AT = 3 * 1024 * 1024
root = sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        print("req %s range=%s if-range=%s" % (self.path, self.headers.get("Range", "-"),
                                                self.headers.get("If-Range", "-")), flush=True)
        parts = self.path.split("/", 2)
        if len(parts) < 3:
            self.send_error(404)
            return
        mode, name = parts[1], parts[2]
        path = os.path.join(root, os.path.basename(name))
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            self.send_error(404)
            return
        if mode == "chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Checksum")
            self.end_headers()
            rnd = random.Random(len(data))
            at = 0
            while at < len(data):
                k = min(rnd.randint(1, 70000), len(data) - at)
                ext = ";n=%d" % at if rnd.random() < 0.3 else ""
                self.wfile.write(b"%x%s\r\n" % (k, ext.encode()) + data[at:at + k] + b"\r\n")
                at += k
            self.wfile.write(b"0\r\nX-Checksum: none\r\n\r\n")
        elif mode == "norange":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif mode == "short":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data) + 1000))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_WR)
        elif mode == "cut":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:CUT_AT])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_WR)
        elif mode == "close":
            self.protocol_version = "HTTP/1.0"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True
        else:
            self.send_error(404)


class Server(ThreadingHTTPServer):
    daemon_threads = True


srv = Server((sys.argv[1], int(sys.argv[2])), Handler)
print("ready", flush=True)
srv.serve_forever()
