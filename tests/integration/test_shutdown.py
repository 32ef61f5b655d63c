#!/usr/bin/env python3
"""SIGTERM while requests run (`berth serve --shutdown-grace`).

- a grace that is not a duration is refused at start;
- a stream that ends within the grace period ends normally ([DONE]) and is metered normally;
- a stream still running when the grace ends gets an error event and the terminating chunk
  (not a cut connection), berth exits promptly, and after a restart its usage record is there,
  marked aborted.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from test_gateway import CHAT, GatewayTestCase, chat_body  # noqa: E402


def open_stream(server, model, max_tokens):
    """A raw streamed chat request; returns the socket once the head and 3 events arrived."""
    sock = socket.create_connection((h.HOST, server.port), timeout=15)
    body = json.dumps(chat_body(model, max_tokens, stream=True)).encode()
    sock.sendall(b"POST " + CHAT.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + server.api_key.encode() + b"\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    seen = b""
    while seen.count(b"data:") < 3:
        got = sock.recv(4096)
        if not got:
            break
        seen += got
    return sock, seen


def read_to_close(sock):
    got = b""
    while True:
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not data:
            break
        got += data
    sock.close()
    return got


class ShutdownTest(GatewayTestCase):
    def slow_engines(self):
        return self.write_engines({"engines": {"*": {"command": [
            h.berth_binary(), "engine-sim", "--port", "{port}", "--served-model-name",
            "{served_model_name}", "--itl-ms", "20"]}}})

    def terminate_in_background(self, server):
        exited = {}

        def run():
            started = time.monotonic()
            exited["code"] = server.terminate(timeout=20)
            exited["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=run)
        thread.start()
        return thread, exited

    def test_a_bad_grace_is_refused_at_start(self):
        with tempfile.TemporaryDirectory() as data:
            run = subprocess.run([h.berth_binary(), "serve", "--listen", "127.0.0.1:0",
                                  "--data-dir", data, "--shutdown-grace", "5x"],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 1)
        self.assertIn('--shutdown-grace: bad duration "5x"', run.stdout + run.stderr)

    def test_a_stream_within_the_grace_finishes(self):
        server = self.serve("--engines", self.slow_engines(), "--shutdown-grace", "10s")
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 2})
        sock, seen = open_stream(server, model, 50)  # about 1 s
        thread, exited = self.terminate_in_background(server)
        rest = seen + read_to_close(sock)
        thread.join()
        self.assertEqual(exited["code"], 0)
        self.assertIn(b"data: [DONE]", rest)
        self.assertNotIn(b'"error"', rest)
        self.assertTrue(rest.endswith(b"0\r\n\r\n"), rest[-200:])
        server.start()
        totals = self.usage(server, model, 1)
        self.assertEqual(totals["requests"], 1)
        self.assertEqual(totals["aborted"], 0)
        self.assertEqual(totals["output_tokens"], 50)

    def test_a_stream_past_the_grace_ends_with_an_error_event_and_is_metered(self):
        server = self.serve("--engines", self.slow_engines(), "--shutdown-grace", "500ms")
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 2})
        sock, seen = open_stream(server, model, 1000)  # about 20 s
        thread, exited = self.terminate_in_background(server)
        rest = seen + read_to_close(sock)
        thread.join()
        self.assertEqual(exited["code"], 0)
        self.assertLess(exited["seconds"], 5.0)
        self.assertNotIn(b"data: [DONE]", rest)
        last = rest.rsplit(b"data: ", 1)[-1].split(b"\n\n", 1)[0]
        error = json.loads(last)["error"]
        self.assertIn("shutting down", error["message"])
        self.assertTrue(rest.endswith(b"0\r\n\r\n"), rest[-200:])  # a complete chunked body
        server.start()
        totals = self.usage(server, model, 1)
        self.assertEqual(totals["requests"], 1)
        self.assertEqual(totals["aborted"], 1)
        self.assertGreater(totals["output_tokens"], 0)
        self.assertLess(totals["output_tokens"], 1000)


if __name__ == "__main__":
    h.main()
