#!/usr/bin/env python3
"""A webhook receiver for scripts: verifies each delivery's Standard Webhooks signature with
the standard library (HMAC-SHA256 of "id.timestamp.body" under the base64-decoded whsec_
secret) and, when it is installed (`pip install standardwebhooks`), with the reference
verifier too; appends "<webhook-id> <ok|bad>" to a log file, and answers 204.

    webhook_receiver.py PORT SECRET LOGFILE
"""
import base64
import hashlib
import hmac
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, secret, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
key = base64.b64decode(secret.removeprefix("whsec_"))
lock = threading.Lock()
try:
    from standardwebhooks.webhooks import Webhook

    reference = Webhook(secret)
except ImportError:
    reference = None
log = open(log_path, "a", buffering=1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        msg_id = self.headers["webhook-id"]
        ts = self.headers["webhook-timestamp"]
        expected = base64.b64encode(
            hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
        ).decode()
        ok = any(
            s.startswith("v1,") and hmac.compare_digest(s[3:], expected)
            for s in self.headers["webhook-signature"].split(" ")
        )
        if ok and reference is not None:
            try:
                reference.verify(body, {k.lower(): v for k, v in self.headers.items()})
            except Exception:
                ok = False
        with lock:
            log.write(f"{msg_id} {'ok' if ok else 'bad'}\n")
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
