#!/usr/bin/env python3
"""beacon-sink.py DIR FOLDER: serves FOLDER on a free loopback port and keeps
every POST /beacon body, one a line, in DIR/beacons (with its Content-Type
in DIR/types), answering 204.  The port is written to DIR/port once it
listens.  A stand-in for the collector in the snippet's browser test; it
ends with its parent."""
import http.server
import os
import sys
import threading
import time

out, folder = sys.argv[1], sys.argv[2]


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=folder, **k)

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path != "/beacon":
            self.send_response(404)
            self.end_headers()
            return
        with open(os.path.join(out, "beacons"), "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        with open(os.path.join(out, "types"), "a") as f:
            f.write((self.headers.get("Content-Type") or "") + "\n")
        self.send_response(204)
        self.end_headers()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(out, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
parent = os.getppid()


def watch_parent():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=watch_parent, daemon=True).start()
srv.serve_forever()
