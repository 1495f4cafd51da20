#!/usr/bin/env python3
"""receiver.py DIR [HTTP_PORT SMTP_PORT]: notification receivers on loopback.

The tests' (and the demo's stand-in for QA's Slack and the teams' mail).

An HTTP receiver (webhooks, Slack, Teams, and the part of GitHub's REST API
that relgate uses: list, create and update an issue's comments) and an SMTP
receiver, each on the port given or a free one, written to DIR/http-port and
DIR/smtp-port.
Each request is recorded as it came: DIR/NNN.http (request line, headers,
a blank line, the body as bytes) or DIR/NNN.eml (the message as after
DATA, dot-unstuffing undone) with DIR/NNN.env (MAIL FROM and RCPT TO).

How it answers is read from DIR/mode at each request, so that a test can
change it while relgate runs:
  ok       answer at once (HTTP 200, or 201 for a new comment; SMTP 250)
  500      HTTP 500 / SMTP 451 after DATA, recording nothing
  hang     accept, then never answer (the connection stays open)
  slow     answer after 3 seconds
Only the standard library; it ends on SIGTERM, or when its parent ends.
"""
import json
import os
import re
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
LOCK = threading.Lock()
COUNTER = [0]
COMMENTS = {}          # (repo, issue) -> [{"id":..., "body":...}]
NEXT_ID = [1000]


def mode():
    try:
        with open(os.path.join(DIR, "mode")) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


def record(ext, data):
    with LOCK:
        COUNTER[0] += 1
        n = COUNTER[0]
    path = os.path.join(DIR, "%03d.%s" % (n, ext))
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)
    return n


def behave():
    m = mode()
    if m == "hang":
        time.sleep(3600)
    if m == "slow":
        time.sleep(3)
    return m


class Http(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"ok", ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        m = behave()
        if m == "500":
            self.reply(500, b"down for maintenance")
            return
        head = "%s %s\n%s\n" % (self.command, self.path, str(self.headers).rstrip("\n"))
        record("http", head.encode() + b"\n" + body)
        self.github(body)

    def github(self, body):
        """The comments API, enough for relgate: else a plain 200."""
        path = self.path.split("?")[0]
        list_m = re.match(r"^/api/repos/([^/]+/[^/]+)/issues/(\d+)/comments$", path)
        edit_m = re.match(r"^/api/repos/([^/]+/[^/]+)/issues/comments/(\d+)$", path)
        if not (list_m or edit_m):
            self.reply(200)
            return
        if self.headers.get("Authorization") != "Bearer " + os.environ.get("RECEIVER_TOKEN", "t0k3n"):
            self.reply(401, b'{"message":"Bad credentials"}', "application/json")
            return
        if list_m:
            key = (list_m.group(1), int(list_m.group(2)))
            with LOCK:
                comments = COMMENTS.setdefault(key, [])
                if self.command == "GET":
                    page = int((re.search(r"[?&]page=(\d+)", self.path) or [0, "1"])[1])
                    per = int((re.search(r"[?&]per_page=(\d+)", self.path) or [0, "30"])[1])
                    out = comments[(page - 1) * per:page * per]
                    self.reply(200, json.dumps(out).encode(), "application/json")
                    return
                c = {"id": NEXT_ID[0], "body": json.loads(body)["body"]}
                NEXT_ID[0] += 1
                comments.append(c)
            self.reply(201, json.dumps(c).encode(), "application/json")
            return
        with LOCK:
            for comments in COMMENTS.values():
                for c in comments:
                    if c["id"] == int(edit_m.group(2)):
                        c["body"] = json.loads(body)["body"]
                        self.reply(200, json.dumps(c).encode(), "application/json")
                        return
        self.reply(404, b'{"message":"Not Found"}', "application/json")

    do_GET = do_POST = do_PATCH = do_PUT = handle_any


class Smtp(socketserver.StreamRequestHandler):
    def say(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.say("220 receiver ESMTP")
        env = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("latin-1").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-receiver\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n")
                self.wfile.flush()
            elif verb == "AUTH":
                parts = cmd.split()
                if len(parts) == 2:
                    self.say("334 ")
                    parts.append(self.rfile.readline().decode("latin-1").strip())
                env.append(" ".join(parts[:2]))
                self.say("235 ok")
            elif verb in ("MAIL", "RCPT"):
                env.append(cmd)
                self.say("250 ok")
            elif verb == "DATA":
                self.say("354 go on")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    if l.startswith(b".."):
                        l = l[1:]
                    data += l
                m = behave()
                if m == "500":
                    self.say("451 try again later")
                    env = []
                    continue
                n = record("eml", data)
                with open(os.path.join(DIR, "%03d.env" % n), "w") as f:
                    f.write("\n".join(env) + "\n")
                env = []
                self.say("250 queued")
            elif verb == "RSET":
                env = []
                self.say("250 ok")
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 ok")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128    # relgate opens many connections at once


def orphaned(parent):
    """End with the test that started it, however the test ended."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    threading.Thread(target=orphaned, args=(os.getppid(),), daemon=True).start()
    ports = [int(p) for p in sys.argv[2:4]] + [0, 0]
    http = HttpServer(("127.0.0.1", ports[0]), Http)
    smtp = SmtpServer(("127.0.0.1", ports[1]), Smtp)
    for name, srv in (("http-port", http), ("smtp-port", smtp)):
        with open(os.path.join(DIR, name + ".tmp"), "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(os.path.join(DIR, name + ".tmp"), os.path.join(DIR, name))
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    http.serve_forever()


if __name__ == "__main__":
    main()
