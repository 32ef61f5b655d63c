#!/usr/bin/env python3
"""A tiny stand-in for a model engine, for the process runtime's tests (standard library only).

GET /health answers 503 until --startup-ms have passed, then 200 (or 503 while the file named
by --unhealthy-file exists). Prints its environment selection and a listening line, like an
engine's log. --exit-code N exits at once with N (a crashing engine); --ignore-term ignores
SIGTERM (an engine that must be SIGKILLed); --health-delay-ms N answers /health N ms late
(SGLang's /health generates a token). POST /v1/load_lora_adapter and
/v1/unload_lora_adapter answer 200 after --load-delay-ms (a big adapter loading slowly), and
log "loading adapter NAME" when a load begins.
"""
import argparse
import http.server
import json
import os
import signal
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--startup-ms", type=int, default=0)
parser.add_argument("--unhealthy-file", default="")
parser.add_argument("--exit-code", type=int, default=None)
parser.add_argument("--ignore-term", action="store_true")
parser.add_argument("--served-model-name", default="")
parser.add_argument("--load-delay-ms", type=int, default=0)
parser.add_argument("--health-delay-ms", type=int, default=0)
args = parser.parse_args()

if args.exit_code is not None:
    print("fake engine failing on purpose with code %d" % args.exit_code, flush=True)
    sys.exit(args.exit_code)
if args.ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

ready_at = time.monotonic() + args.startup_ms / 1000.0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            time.sleep(args.health_delay_ms / 1000.0)
        healthy = time.monotonic() >= ready_at and not (
            args.unhealthy_file and os.path.exists(args.unhealthy_file))
        body = b"ok" if healthy else b"loading"
        self.send_response(200 if healthy and self.path == "/health" else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path not in ("/v1/load_lora_adapter", "/v1/unload_lora_adapter"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/v1/load_lora_adapter":
            print("loading adapter %s" % body.get("lora_name", ""), flush=True)
        time.sleep(args.load_delay_ms / 1000.0)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *unused):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print("env GPUS=%s MODEL=%s SECRET=%s" % (os.environ.get("CUDA_VISIBLE_DEVICES", ""),
                                           args.served_model_name,
                                           os.environ.get("BERTH_API_KEY", "")), flush=True)
print("fake engine listening on 127.0.0.1:%d" % args.port, flush=True)
server.serve_forever()
