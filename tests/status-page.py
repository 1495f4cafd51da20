#!/usr/bin/env python3
"""status-page.py URL PRODUCT TOKEN OUT: relgate serve's status page in real chromium.

Drives Debian's chromium over the DevTools protocol on a pipe (as relgate's
boot check does: NUL-separated JSON on descriptors 3 and 4): opens URL, reads
the products table, presses PRODUCT's rollback button, answers its prompt
with TOKEN, waits for the page to say so and reload, reads the table again,
and saves a screenshot as OUT/status.png.  Prints the two tables as
"product release" lines, "--" between them, then what the page said.
Exits 1 when something did not happen within 20 s.  Standard library only.
"""
import base64
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time

url, product, token, out = sys.argv[1:5]
deadline = time.time() + 20

to_browser_r, to_browser_w = os.pipe()
from_browser_r, from_browser_w = os.pipe()


def child_fds():
    # by way of descriptors above both, so that neither end is clobbered
    a = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
    b = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
    os.dup2(a, 3)
    os.dup2(b, 4)
    os.setsid()


profile = tempfile.mkdtemp(prefix="relgate-status-")
browser = subprocess.Popen(
    ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
     "--disable-background-networking", "--remote-debugging-pipe",
     "--user-data-dir=" + profile, "--window-size=1200,900", "about:blank"],
    pass_fds=(3, 4, to_browser_r, from_browser_w), preexec_fn=child_fds,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(to_browser_r)
os.close(from_browser_w)
pending = b""
next_id = 0
events = []


def fail(why):
    print("status-page.py: " + why, file=sys.stderr)
    browser.kill()
    sys.exit(1)


def read_message():
    global pending
    while b"\0" not in pending:
        if time.time() > deadline:
            fail("the browser did not answer in time")
        chunk = os.read(from_browser_r, 65536)
        if not chunk:
            fail("the browser went away")
        pending += chunk
    msg, pending = pending.split(b"\0", 1)
    return json.loads(msg)


def send(method, params=None, session=None):
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params or {}}
    if session:
        msg["sessionId"] = session
    os.write(to_browser_w, json.dumps(msg).encode() + b"\0")
    return next_id


def call(method, params=None, session=None):
    want = send(method, params, session)
    while True:
        msg = read_message()
        if msg.get("id") == want:
            if "error" in msg:
                fail(method + ": " + json.dumps(msg["error"]))
            return msg.get("result", {})
        on_event(msg)


def on_event(msg):
    if msg.get("method") == "Page.javascriptDialogOpening":
        # the button's prompt: answered with the token, without waiting for the evaluate
        send("Page.handleJavaScriptDialog", {"accept": True, "promptText": token},
             msg.get("sessionId"))
    events.append(msg)


def wait_event(method):
    while True:
        for i, e in enumerate(events):
            if e.get("method") == method:
                del events[: i + 1]
                return e
        on_event(read_message())


def evaluate(session, expr):
    r = call("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session)
    return r.get("result", {}).get("value")


TABLE = ("JSON.stringify([...document.querySelectorAll('#products tr[data-product]')]"
         ".map(r => r.dataset.product + ' ' + r.querySelector('.release').textContent))")

target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
call("Page.enable", None, session)
call("Runtime.enable", None, session)
call("Page.navigate", {"url": url}, session)
wait_event("Page.loadEventFired")
before = json.loads(evaluate(session, TABLE))
# click() returns once the prompt is answered (on_event does it as the dialog opens)
send("Runtime.evaluate", {"expression": "document.querySelector('button[data-rollback=\"%s\"]')"
                          ".click()" % product}, session)
wait_event("Page.javascriptDialogOpening")
said = ""
while time.time() < deadline:
    try:
        said = evaluate(session, "document.getElementById('said') ? "
                        "document.getElementById('said').textContent : ''") or ""
    except SystemExit:
        raise
    if said:
        break
    time.sleep(0.1)
if not said:
    fail("the page said nothing after the rollback")
wait_event("Page.loadEventFired")
after = json.loads(evaluate(session, TABLE))
shot = call("Page.captureScreenshot", {"format": "png"}, session)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "status.png"), "wb") as f:
    f.write(base64.b64decode(shot["data"]))
print("\n".join(before))
print("--")
print("\n".join(after))
print("said: " + said)
browser.kill()
browser.wait()
