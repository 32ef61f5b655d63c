#!/usr/bin/env python3
"""`berth chat` against a stub OpenAI-compatible gateway (Python's http.server): the request it
sends, text printed as each SSE chunk arrives (before the stream ends), and errors. The same
command against the real berth gateway is in test_cli_pending.py."""

import http.server
import json
import os
import select
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

PATH = "/compatible-mode/v1/chat/completions"


def chunk(text):
    return "data: " + json.dumps({"object": "chat.completion.chunk",
                                  "choices": [{"index": 0, "delta": {"content": text}}]}) + "\n\n"


class StubGateway(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__((h.HOST, 0), Handler)
        self.requests = []
        self.release = threading.Event()  # the second half of the stream waits for this
        self.fail_with = None  # (status, body) to answer instead of a stream


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, dict(self.headers), json.loads(body)))
        if self.server.fail_with:
            status, text = self.server.fail_with
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text.encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.write_chunk(chunk("Hello"))
        self.server.release.wait(10)
        self.write_chunk(chunk(", harbour") + "data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def write_chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


class ChatStubTest(unittest.TestCase):
    def setUp(self):
        self.gateway = StubGateway()
        threading.Thread(target=self.gateway.serve_forever, daemon=True).start()
        self.addCleanup(self.gateway.server_close)
        self.addCleanup(self.gateway.shutdown)
        port = self.gateway.server_address[1]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DASHSCOPE_")}
        self.env["DASHSCOPE_API_KEY"] = "sk-stub-key-1"
        self.env["DASHSCOPE_HTTP_BASE_URL"] = "http://127.0.0.1:%d/api/v1" % port

    def test_prints_each_piece_as_it_arrives(self):
        proc = subprocess.Popen([h.berth_binary(), "chat", "--model", "m-1", "Say", "hello"],
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen = b""
        deadline = time.monotonic() + 10
        while b"Hello" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.1)
            if ready:
                seen += os.read(proc.stdout.fileno(), 100)
        # "Hello" was printed while the gateway still held the rest of the stream back.
        self.assertEqual(seen, b"Hello")
        self.gateway.release.set()
        out, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(seen + out, b"Hello, harbour\n")
        path, headers, body = self.gateway.requests[0]
        self.assertEqual(path, PATH)
        self.assertEqual(headers["Authorization"], "Bearer sk-stub-key-1")
        self.assertEqual(body, {"model": "m-1", "stream": True,
                                "messages": [{"role": "user", "content": "Say hello"}]})

    def test_prompt_from_stdin_and_system_message(self):
        self.gateway.release.set()
        r = subprocess.run([h.berth_binary(), "chat", "-m", "m-1", "--system", "be brief",
                            "--max-tokens", "5", "-"], env=self.env, input="from stdin",
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "Hello, harbour\n")
        body = self.gateway.requests[0][2]
        self.assertEqual(body["messages"], [{"role": "system", "content": "be brief"},
                                            {"role": "user", "content": "from stdin"}])
        self.assertEqual(body["max_tokens"], 5)

    def test_gateway_error_shows_code_and_message(self):
        self.gateway.fail_with = (404, json.dumps(
            {"error": {"message": "The model `m-9` does not exist.", "type": "invalid_request_error",
                       "code": "model_not_found"}}))
        r = subprocess.run([h.berth_binary(), "chat", "-m", "m-9", "hi"], env=self.env,
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stdout, "")
        self.assertIn("error: model_not_found: The model `m-9` does not exist. (HTTP 404)",
                      r.stderr)


if __name__ == "__main__":
    h.main()
