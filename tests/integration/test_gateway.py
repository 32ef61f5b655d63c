#!/usr/bin/env python3
"""The inference gateway against real engine-sim replicas (`berth serve --runtime process`).

- compatible-mode chat, streamed and not: the answer is the engine's; a stream the client did
  not ask usage for carries none, one that asked ends with it; every request is metered once,
  with the engine's token counts, and GET .../usage reports them.
- limits: rpm_limit → 429 Throttling.RateQuota with Retry-After in each API's shape; raising the
  limit takes effect at once; a burst of 100 concurrent requests against a tpm_limit admits at
  most the limit plus one request's estimate.
- PTU: x-dashscope-ptu-overflow: true exactly on the requests over the purchased TPM; with the
  overflow strategy disabled they get 429 instead.
- a client that leaves mid-stream is still metered (aborted); a replica killed mid-traffic
  loses no request that had not reached it.
- auth and routing errors: bad key 401, unknown model and another workspace's model 404, a
  stopped deployment 503, all in the OpenAI error shape.
"""

import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from test_process_runtime import ProcessRuntimeTestCase, dpath, wait_until  # noqa: E402

CHAT = "/compatible-mode/v1/chat/completions"
NATIVE = "/api/v1/services/aigc/text-generation/generation"
MESSAGES = [{"role": "user", "content": "Tell me about harbours"}]


def chat_body(model, max_tokens=8, **extra):
    body = {"model": model, "messages": MESSAGES, "max_tokens": max_tokens}
    body.update(extra)
    return body


def read_sse(resp):
    """The data payloads of an SSE response, as strings, in order."""
    events = []
    for raw in resp.read().decode().split("\n\n"):
        for line in raw.splitlines():
            if line.startswith("data:"):
                events.append(line[5:].strip())
    return events


class GatewayTestCase(ProcessRuntimeTestCase):
    def serve(self, *extra):
        return self.process_server(*extra)

    def deploy(self, server, body):
        return self.create_running(server, body, timeout=60)["deployed_model"]

    def chat(self, server, body, key="default", path=CHAT, headers=None):
        return server.post(path, body, key=key, headers=headers)

    def stream(self, server, body):
        conn = http.client.HTTPConnection(h.HOST, server.port, timeout=30)
        conn.request("POST", CHAT, body=json.dumps(body), headers={
            "Authorization": "Bearer " + server.api_key, "Content-Type": "application/json"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "text/event-stream")
        events = read_sse(resp)
        conn.close()
        return events

    def usage(self, server, model, requests):
        """The usage totals once `requests` records are stored (they are written in batches)."""
        totals = {}

        def stored():
            nonlocal totals
            totals = self.assertOk(server.get(dpath(model, "usage")))["totals"]
            return totals["requests"] >= requests

        wait_until(stored, timeout=10)
        return totals


class CompatibleModeTest(GatewayTestCase):
    def test_answers_streams_and_meters_every_request(self):
        server = self.serve()
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 4})
        r = self.chat(server, chat_body(model, 8))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("X-Request-Id"))
        self.assertIsNone(r.header("x-dashscope-ptu-overflow"))
        answer = r.json
        self.assertEqual(answer["object"], "chat.completion")
        self.assertTrue(answer["choices"][0]["message"]["content"])
        prompt_tokens = answer["usage"]["prompt_tokens"]
        self.assertEqual(answer["usage"]["completion_tokens"], 8)

        plain = self.stream(server, chat_body(model, 5, stream=True))
        self.assertEqual(plain[-1], "[DONE]")
        chunks = [json.loads(e) for e in plain[:-1]]
        self.assertTrue(all(not c.get("usage") for c in chunks), chunks)
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        self.assertTrue(text)

        counted = self.stream(server, chat_body(model, 6, stream=True,
                                                stream_options={"include_usage": True}))
        last = json.loads(counted[-2])
        self.assertEqual(last["choices"], [])
        self.assertEqual(last["usage"]["completion_tokens"], 6)
        self.assertEqual(last["usage"]["prompt_tokens"], prompt_tokens)

        native = self.chat(server, {"model": model, "input": {"messages": MESSAGES},
                                    "parameters": {"max_tokens": 4}}, path=NATIVE)
        self.assertEqual(native.status, 200, native)
        self.assertEqual(native.json["usage"]["output_tokens"], 4)

        totals = self.usage(server, model, 4)
        self.assertEqual(totals["requests"], 4)
        self.assertEqual(totals["output_tokens"], 8 + 5 + 6 + 4)
        self.assertEqual(totals["input_tokens"], 4 * prompt_tokens)
        self.assertEqual(totals["streamed"], 2)
        self.assertEqual(totals["errors"], 0)
        metrics = server.get("/metrics", key=None).text
        self.assertIn("berth_usage_store_failing 0\n", metrics)
        self.assertIn("berth_usage_records_dropped_total 0\n", metrics)
        written = re.search(r"^berth_usage_records_written_total (\d+)$", metrics, re.M)
        self.assertGreaterEqual(int(written.group(1)), 4, metrics)

        models = self.assertOkList(server.get("/compatible-mode/v1/models"))
        self.assertIn(model, [m["id"] for m in models])

    def assertOkList(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["object"], "list")
        return r.json["data"]

    def test_errors_in_the_openai_shape(self):
        server = self.serve()
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 2})
        r = self.chat(server, chat_body(model), key="sk-wrong")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json["error"]["code"], "invalid_api_key")
        r = self.chat(server, chat_body("no-such-model"))
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json["error"]["code"], "model_not_found")
        r = self.chat(server, {"messages": MESSAGES})
        self.assertEqual(r.status, 400, r)
        self.assertIn("model", r.json["error"]["message"])
        for bad in ('{"model": ', '[1, 2]', '"text"'):
            r = server.post(CHAT, raw_body=bad)
            self.assertEqual(r.status, 400, r)
            self.assertEqual(r.json["error"]["code"], "invalid_parameter_error")
        r = self.chat(server, chat_body(model, stream=True, stream_options="yes"))
        self.assertEqual(r.status, 400, r)
        r = self.chat(server, chat_body(model, stream=True, stream_options={"include_usage": 1}))
        self.assertEqual(r.status, 200, r)  # not asked for as a boolean: no usage chunk
        self.assertNotIn('"usage":{', r.text)
        r = server.get(CHAT)
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.header("Allow"), "POST")

        ws = self.assertOk(server.post("/api/v1/admin/workspaces", {"name": "other"}))
        other = self.assertOk(server.post("/api/v1/admin/keys",
                                          {"workspace_id": ws["workspace_id"]}))
        r = self.chat(server, chat_body(model), key=other["api_key"])
        self.assertEqual(r.status, 404, r)  # another workspace's model does not exist for it

        self.assertOk(server.put(dpath(model, "stop")))
        server.wait_status(model, "STOPPED")
        self.assertTrue(wait_until(lambda: self.chat(server, chat_body(model)).status == 503))
        r = self.chat(server, chat_body(model))
        self.assertIn("STOPPED", r.json["error"]["message"])


class LimitsTest(GatewayTestCase):
    def test_rpm_limit_answers_429_with_retry_after_and_updates_at_once(self):
        server = self.serve()
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 2, "rpm_limit": 3})
        statuses = [self.chat(server, chat_body(model)).status for _ in range(3)]
        self.assertEqual(statuses, [200, 200, 200])
        r = self.chat(server, chat_body(model))
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json["error"]["code"], "Throttling.RateQuota")
        self.assertGreaterEqual(int(r.header("Retry-After")), 1)
        native = self.chat(server, {"model": model, "input": {"prompt": "hi"}}, path=NATIVE)
        self.assertEqual(native.status, 429, native)
        self.assertEqual(native.json["code"], "Throttling.RateQuota")
        self.assertTrue(native.header("Retry-After"))

        self.assertOk(server.put(dpath(model, "update"), {"rpm_limit": 100}))
        self.assertTrue(wait_until(lambda: self.chat(server, chat_body(model)).status == 200,
                                   timeout=2))
        totals = self.usage(server, model, 4)
        self.assertGreaterEqual(totals["requests"], 4)  # 429s were never admitted or metered
        self.assertEqual(totals["errors"], 0)

    def test_a_burst_admits_at_most_the_tpm_limit(self):
        server = self.serve()
        limit = 2000
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 2,
                                     "tpm_limit": limit})
        one = self.chat(server, chat_body(model, 100))
        self.assertEqual(one.status, 200, one)
        per_request = one.json["usage"]["total_tokens"]
        statuses = []
        lock = threading.Lock()

        def call():
            status = self.chat(server, chat_body(model, 100)).status
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=call) for _ in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        admitted = statuses.count(200) + 1
        self.assertEqual(statuses.count(200) + statuses.count(429), 100, statuses)
        # Estimates are exact here (max_tokens, the engine's token rule): never over the limit.
        self.assertLessEqual(admitted * per_request, limit + per_request)
        self.assertGreaterEqual(admitted * per_request, limit - per_request)
        totals = self.usage(server, model, admitted)
        self.assertEqual(totals["requests"], admitted)
        self.assertLessEqual(totals["input_tokens"] + totals["output_tokens"],
                             limit + per_request)


class PtuTest(GatewayTestCase):
    def test_overflow_header_exactly_over_the_purchased_tpm(self):
        server = self.serve()
        model = self.deploy(server, {"model_name": "qwen-flash-2025-07-28", "plan": "ptu",
                                     "ptu_capacity": {"input_tpm": 10000, "output_tpm": 1000}})
        flags = []
        for _ in range(5):
            r = self.chat(server, chat_body(model, 300))
            self.assertEqual(r.status, 200, r)
            flags.append(r.header("x-dashscope-ptu-overflow"))
        # 3 × 300 output tokens fit 1000 per minute; the 4th and 5th go pay-as-you-go.
        self.assertEqual(flags, [None, None, None, "true", "true"])
        events = self.stream_headers(server, chat_body(model, 300, stream=True))
        self.assertEqual(events, "true")  # in a stream's head too

        self.assertOk(server.put(dpath(model, "update-overflowstrategy"),
                                 {"overflow_strategy": "disable"}))
        self.assertTrue(wait_until(lambda: self.chat(server, chat_body(model, 300)).status == 429,
                                   timeout=2))
        totals = self.usage(server, model, 6)
        self.assertEqual(totals["ptu_requests"], 3)
        self.assertGreaterEqual(totals["overflow_requests"], 3)

    def stream_headers(self, server, body):
        conn = http.client.HTTPConnection(h.HOST, server.port, timeout=30)
        conn.request("POST", CHAT, body=json.dumps(body), headers={
            "Authorization": "Bearer " + server.api_key, "Content-Type": "application/json"})
        resp = conn.getresponse()
        header = resp.getheader("x-dashscope-ptu-overflow")
        resp.read()
        conn.close()
        return header


class FailureTest(GatewayTestCase):
    def slow_engines(self):
        return self.write_engines({"engines": {"*": {"command": [
            h.berth_binary(), "engine-sim", "--port", "{port}", "--served-model-name",
            "{served_model_name}", "--itl-ms", "20"]}}})

    def test_a_client_leaving_mid_stream_is_metered(self):
        server = self.serve("--engines", self.slow_engines())
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 2})
        sock = socket.create_connection((h.HOST, server.port), timeout=10)
        body = json.dumps(chat_body(model, 200, stream=True)).encode()
        sock.sendall(b"POST " + CHAT.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     + server.api_key.encode() + b"\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        seen = b""
        while seen.count(b"data:") < 4:
            seen += sock.recv(4096)
        sock.close()  # about 80 ms into a 4 s stream
        totals = self.usage(server, model, 1)
        self.assertEqual(totals["requests"], 1)
        self.assertEqual(totals["aborted"], 1)
        self.assertGreater(totals["output_tokens"], 0)
        self.assertLess(totals["output_tokens"], 200)
        # The engine stopped generating: it is free again at once.
        r = self.chat(server, chat_body(model, 2))
        self.assertEqual(r.status, 200, r)

    def test_requests_move_to_the_other_replica_when_one_is_killed(self):
        server = self.serve()
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 4})
        replicas = self.replicas(server, model)
        self.assertEqual(len(replicas), 2)
        results = []
        stop = threading.Event()

        def traffic():
            while not stop.is_set():
                results.append(self.chat(server, chat_body(model, 2)).status)

        worker = threading.Thread(target=traffic)
        worker.start()
        time.sleep(0.3)
        before = len(results)
        os.kill(replicas[0]["pid"], signal.SIGKILL)
        time.sleep(1.0)
        stop.set()
        worker.join()
        after = results[before:]
        self.assertGreater(len(after), 20, "traffic kept flowing")
        # Only a request already on the killed engine can fail; new ones go to the other.
        self.assertLessEqual(len(after) - after.count(200), 1, after)


if __name__ == "__main__":
    h.main()
