#!/usr/bin/env python3
"""`berth engine-sim` as a client sees it: a vLLM-like OpenAI-compatible server on a free port.
Checks /health (503 while "loading", then 200), chat and text completions with and without
streaming (usage equal to the documented token rule applied to the text received, the [DONE]
terminator), /v1/models, LoRA adapter loading, OpenAI-shaped errors, a client leaving
mid-stream (its slot is freed and the server keeps serving), --max-num-seqs queueing and
--ttft-ms / --itl-ms pacing, and a clean exit on SIGTERM."""

import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

LISTEN_RE = re.compile(r"^engine-sim listening on 127\.0\.0\.1:(\d+)$")
# docs/engine-sim.md: a maximal run of ASCII letters/digits, or one other non-space character.
TOKEN_RE = re.compile(r"[A-Za-z0-9]+|[^ \t\n\r\f\vA-Za-z0-9]")
TOKENS_PER_MESSAGE = 4
MODEL = "sim-7b"


def count_tokens(text):
    return len(TOKEN_RE.findall(text))


def chat(content, **extra):
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}]}
    body.update(extra)
    return body


class EngineSim:
    """One `berth engine-sim --port 0` process; stopped by cleanup() (and by the harness's
    watchdog, which treats it like a berth server)."""

    def __init__(self, *args):
        self._tmp = tempfile.mkdtemp(prefix="engine-sim-it-")
        self.log_path = os.path.join(self._tmp, "engine-sim.log")
        argv = [h.berth_binary(), "engine-sim", "--port", "0", "--served-model-name", MODEL]
        argv += [str(a) for a in args]
        self.spawned = time.monotonic()  # the engine's start-up clock starts after this
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        h._LIVE_SERVERS.add(self)
        line = self._first_line(time.monotonic() + 20)
        m = LISTEN_RE.match(line)
        if not m:
            self.kill9()
            raise RuntimeError("no listening line (got %r); log:\n%s" % (line, self.log_tail()))
        self.port = int(m.group(1))

    def _first_line(self, deadline):
        buf = b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                ch = os.read(fd, 1)
                if not ch or ch == b"\n":
                    break
                buf += ch
            elif self.proc.poll() is not None:
                break
        return buf.decode(errors="replace")

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.proc.stdout.close()
        if os.environ.get("BERTH_IT_KEEP"):
            sys.stderr.write("kept %s\n" % self._tmp)
        else:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def log_tail(self, lines=40):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])

    def request(self, method, path, body=None, timeout=20.0):
        """Returns (status, content type, raw body). Chunked bodies arrive de-chunked."""
        conn = http.client.HTTPConnection(h.HOST, self.port, timeout=timeout)
        try:
            data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, resp.getheader("Content-Type", ""), resp.read()
        finally:
            conn.close()

    def json(self, method, path, body=None, **kw):
        status, _, raw = self.request(method, path, body, **kw)
        return status, json.loads(raw) if raw else None

    def events(self, path, body):
        """The data: payloads of a streamed response, JSON-decoded except "[DONE]"."""
        status, content_type, raw = self.request("POST", path, body)
        assert status == 200, (status, raw)
        assert content_type.startswith("text/event-stream"), content_type
        text = raw.decode()
        assert text.endswith("\n\n"), text[-200:]
        out = []
        for event in text.split("\n\n")[:-1]:
            assert event.startswith("data: "), event
            data = event[len("data: "):]
            out.append(data if data == "[DONE]" else json.loads(data))
        return out


class EngineSimTest(unittest.TestCase):
    """A fast engine (no delays) shared by the class; the first /health answer and the time
    until 200 are recorded at start-up."""

    @classmethod
    def setUpClass(cls):
        cls.sim = EngineSim("--startup-ms", 300, "--model", "/models/sim-7b")
        cls.first_health = cls.sim.request("GET", "/health")[0]
        cls.first_chat = cls.sim.json("POST", "/v1/chat/completions", chat("hi"))
        deadline = time.monotonic() + 10
        while cls.sim.request("GET", "/health")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        cls.healthy_after = time.monotonic() - cls.sim.spawned

    @classmethod
    def tearDownClass(cls):
        cls.sim.cleanup()

    def assertError(self, status_body, status, error_type):
        got_status, body = status_body
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"]["type"], error_type, body)
        self.assertEqual(body["error"]["code"], status, body)
        self.assertIsNone(body["error"]["param"], body)
        self.assertIsInstance(body["error"]["message"], str)

    def test_health_is_503_until_startup_then_200(self):
        self.assertEqual(self.first_health, 503)
        self.assertError(self.first_chat, 503, "ServiceUnavailableError")
        self.assertGreaterEqual(self.healthy_after, 0.3)
        self.assertLess(self.healthy_after, 5)
        self.assertEqual(self.sim.request("GET", "/health")[0], 200)

    def test_chat_completion(self):
        status, body = self.sim.json("POST", "/v1/chat/completions", chat("Hello, world!"))
        self.assertEqual(status, 200, body)
        self.assertTrue(body["id"].startswith("chatcmpl-"), body)
        self.assertEqual(body["object"], "chat.completion")
        self.assertEqual(body["model"], MODEL)
        self.assertIsInstance(body["created"], int)
        choice = body["choices"][0]
        self.assertEqual(choice["index"], 0)
        self.assertEqual(choice["message"]["role"], "assistant")
        self.assertEqual(choice["finish_reason"], "stop")
        self.assertIsNone(choice["logprobs"])
        content = choice["message"]["content"]
        usage = body["usage"]
        self.assertEqual(usage["prompt_tokens"], 4 + TOKENS_PER_MESSAGE)
        self.assertEqual(usage["completion_tokens"], count_tokens(content))
        self.assertEqual(usage["total_tokens"], usage["prompt_tokens"] + usage["completion_tokens"])
        self.assertTrue(16 <= usage["completion_tokens"] <= 63, usage)
        again = self.sim.json("POST", "/v1/chat/completions", chat("Hello, world!"))[1]
        self.assertEqual(again["choices"][0]["message"]["content"], content)
        other = self.sim.json("POST", "/v1/chat/completions", chat("Hello, world!", seed=7))[1]
        self.assertNotEqual(other["choices"][0]["message"]["content"], content)

    def test_chat_stream_with_usage(self):
        body = chat("Stream me", max_tokens=12, stream=True,
                    stream_options={"include_usage": True})
        events = self.sim.events("/v1/chat/completions", body)
        self.assertEqual(events[-1], "[DONE]")
        chunks = events[:-1]
        ids = {c["id"] for c in chunks}
        self.assertEqual(len(ids), 1)
        self.assertTrue(ids.pop().startswith("chatcmpl-"))
        for c in chunks:
            self.assertEqual(c["object"], "chat.completion.chunk")
            self.assertEqual(c["model"], MODEL)
        self.assertEqual(chunks[0]["choices"][0]["delta"]["role"], "assistant")
        usage_chunk = chunks[-1]
        self.assertEqual(usage_chunk["choices"], [])
        finish = chunks[-2]["choices"][0]
        self.assertEqual(finish["finish_reason"], "length")
        text = ""
        for c in chunks[:-1]:
            self.assertIsNone(c["usage"])
            text += c["choices"][0]["delta"].get("content", "")
        self.assertEqual(len(chunks), 1 + 12 + 1 + 1)  # role, tokens, finish, usage
        self.assertEqual(usage_chunk["usage"]["completion_tokens"], count_tokens(text))
        self.assertEqual(usage_chunk["usage"]["completion_tokens"], 12)
        self.assertEqual(usage_chunk["usage"]["prompt_tokens"], 2 + TOKENS_PER_MESSAGE)
        self.assertEqual(usage_chunk["usage"]["total_tokens"], 12 + 2 + TOKENS_PER_MESSAGE)
        unary = self.sim.json("POST", "/v1/chat/completions", chat("Stream me", max_tokens=12))[1]
        self.assertEqual(unary["choices"][0]["message"]["content"], text)

    def test_stream_without_include_usage_has_no_usage_chunk(self):
        events = self.sim.events("/v1/chat/completions", chat("x", max_tokens=3, stream=True))
        self.assertEqual(events[-1], "[DONE]")
        self.assertEqual(len(events), 1 + 3 + 1 + 1)
        self.assertTrue(all(e["usage"] is None for e in events[:-1]))
        self.assertTrue(all(e["choices"] for e in events[:-1]))

    def test_completions(self):
        status, body = self.sim.json("POST", "/v1/completions",
                                     {"model": MODEL, "prompt": "Once upon a time", "max_tokens": 9})
        self.assertEqual(status, 200, body)
        self.assertTrue(body["id"].startswith("cmpl-"))
        self.assertEqual(body["object"], "text_completion")
        self.assertEqual(count_tokens(body["choices"][0]["text"]), 9)
        self.assertEqual(body["choices"][0]["finish_reason"], "length")
        self.assertEqual(body["usage"], {"prompt_tokens": 4, "completion_tokens": 9,
                                         "total_tokens": 13})
        events = self.sim.events("/v1/completions", {"prompt": "Once upon a time", "max_tokens": 9,
                                                     "stream": True,
                                                     "stream_options": {"include_usage": True}})
        self.assertEqual(events[-1], "[DONE]")
        text = "".join(e["choices"][0]["text"] for e in events[:-2])
        self.assertEqual(text, body["choices"][0]["text"])
        self.assertEqual(events[-2]["usage"]["completion_tokens"], 9)

    def test_models_and_lora_adapters(self):
        status, models = self.sim.json("GET", "/v1/models")
        self.assertEqual(status, 200)
        self.assertEqual(models["object"], "list")
        base = models["data"][0]
        self.assertEqual((base["id"], base["object"], base["owned_by"], base["root"], base["parent"]),
                         (MODEL, "model", "berth", "/models/sim-7b", None))
        lora = {"lora_name": "it-lora", "lora_path": "/adapters/it-lora"}
        status, _, raw = self.sim.request("POST", "/v1/load_lora_adapter", lora)
        self.assertEqual(status, 200, raw)
        self.assertIn(b"it-lora", raw)
        self.assertError(self.sim.json("POST", "/v1/load_lora_adapter", lora), 400,
                         "BadRequestError")
        ids = {m["id"]: m for m in self.sim.json("GET", "/v1/models")[1]["data"]}
        self.assertEqual(ids["it-lora"]["parent"], MODEL)
        self.assertEqual(ids["it-lora"]["root"], "/adapters/it-lora")
        status, body = self.sim.json("POST", "/v1/chat/completions",
                                     dict(chat("hi"), model="it-lora"))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["model"], "it-lora")
        status, _, raw = self.sim.request("POST", "/v1/unload_lora_adapter",
                                          {"lora_name": "it-lora"})
        self.assertEqual(status, 200, raw)
        self.assertError(self.sim.json("POST", "/v1/unload_lora_adapter", {"lora_name": "it-lora"}),
                         404, "NotFoundError")
        self.assertError(self.sim.json("POST", "/v1/chat/completions",
                                       dict(chat("hi"), model="it-lora")), 404, "NotFoundError")
        self.assertNotIn("it-lora", [m["id"] for m in self.sim.json("GET", "/v1/models")[1]["data"]])

    def test_errors_are_openai_shaped(self):
        self.assertError(self.sim.json("POST", "/v1/chat/completions", chat("x", model="nope")),
                         404, "NotFoundError")
        self.assertError(self.sim.json("POST", "/v1/chat/completions", b"{nope"), 400,
                         "BadRequestError")
        self.assertError(self.sim.json("POST", "/v1/chat/completions", {"model": MODEL}), 400,
                         "BadRequestError")
        self.assertError(self.sim.json("POST", "/v1/completions", {"model": MODEL}), 400,
                         "BadRequestError")


class PacingTest(unittest.TestCase):
    """--max-num-seqs 1 --ttft-ms 200 --itl-ms 10: one request at a time, paced."""

    @classmethod
    def setUpClass(cls):
        cls.sim = EngineSim("--max-num-seqs", 1, "--ttft-ms", 200, "--itl-ms", 10)

    @classmethod
    def tearDownClass(cls):
        cls.sim.cleanup()

    def timed_chat(self, results, max_tokens=1, start=None):
        """Appends (status, seconds from `start`, default: from sending) when the answer came."""
        start = time.monotonic() if start is None else start
        status, _ = self.sim.json("POST", "/v1/chat/completions", chat("q", max_tokens=max_tokens))
        results.append((status, time.monotonic() - start))

    def test_one_request_waits_ttft_plus_itl_per_token(self):
        results = []
        self.timed_chat(results, max_tokens=11)
        self.assertEqual(results[0][0], 200)
        self.assertGreaterEqual(results[0][1], 0.2 + 10 * 0.01 - 0.005)
        self.assertLess(results[0][1], 2.0)

    def test_max_num_seqs_queues_the_second_request(self):
        results = []
        start = time.monotonic()
        threads = [threading.Thread(target=self.timed_chat, args=(results, 1, start))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([r[0] for r in results], [200, 200])
        first, second = sorted(r[1] for r in results)
        self.assertGreaterEqual(first, 0.2)
        self.assertGreaterEqual(second, 0.4)  # 2x: it waited for the first one's slot
        self.assertGreaterEqual(second - first, 0.15)
        self.assertLess(second, 2.0)

    def test_a_client_leaving_mid_stream_frees_its_slot(self):
        body = json.dumps(chat("long", max_tokens=5000, stream=True)).encode()
        s = socket.create_connection((h.HOST, self.sim.port), timeout=10)
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                  % (len(body), body))
        got = b""
        while got.count(b"data: ") < 3:
            chunk = s.recv(65536)
            self.assertTrue(chunk, got)
            got += chunk
        self.assertTrue(got.startswith(b"HTTP/1.1 200"), got[:200])
        s.close()  # 5000 tokens at 10 ms would hold the only slot for ~50 s
        results = []
        self.timed_chat(results)
        self.assertEqual(results[0][0], 200)
        self.assertLess(results[0][1], 2.0)
        metrics = self.sim.request("GET", "/metrics")[2].decode()
        self.assertIn('vllm:num_requests_running{model_name="%s"} 0' % MODEL, metrics)
        self.assertIn('vllm:num_requests_waiting{model_name="%s"} 0' % MODEL, metrics)


class LifecycleTest(unittest.TestCase):
    def test_sigterm_exits_cleanly(self):
        sim = EngineSim()
        self.addCleanup(sim.cleanup)
        self.assertEqual(sim.request("GET", "/health")[0], 200)
        os.kill(sim.proc.pid, signal.SIGTERM)
        self.assertEqual(sim.proc.wait(timeout=10), 0)


if __name__ == "__main__":
    h.main()
