#!/usr/bin/env python3
"""berth's key runtime and gateway paths against engine-sim acting like vLLM, SGLang and
llama.cpp (`--personality`), each run as its engines-config `kind`:

- loading (connections refused, or 503 "Loading model"), SGLang's slow /health and worker
  processes in the engine's group: the deployment becomes RUNNING without a restart;
- answers: reasoning reaches compatible-mode as reasoning_content and the native API in its
  message; several tokens per chunk; the engine's own prompt count is what is metered;
  continuous_usage_stats only when asked; top-level enable_thinking reaches the engine;
- the engine's error bodies (three shapes) come back in the API's shape with a request_id and
  the engine's message;
- an error in the middle of a stream (with [DONE] after it, or not) is an `event:error` for
  native clients, an error event for compatible ones, and metered as an error;
- a lora deployment on the engine's own LoRA API (vLLM's, gated by its environment variable;
  SGLang's, with "<base>:<adapter>" names); a llama.cpp entry with a lora pool stops serve;
- a busy engine whose /health lags leaves routing and comes back without a restart;
- engine-sim's own process behaviours: workers that die with it or outlive it, SIGTERM that
  aborts, drains or lingers, loading that answers 503 or refuses connections.
"""

import http.client
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
from test_gateway import MESSAGES, NATIVE, GatewayTestCase, chat_body  # noqa: E402
from test_process_runtime import dpath, engine_get, wait_until  # noqa: E402

REASONING_TOKENS = 3
DELTA = 5  # the engine counts the prompt 5 tokens above the gateway's estimate


def group_members(pid):
    """Live processes in the process group led by `pid`."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid and fields[0] not in ("Z", "X"):
            members.append(int(entry))
    return members


class PersonalityTest(GatewayTestCase):
    personality = None  # set by each subclass

    def setUp(self):
        super().setUp()
        if self.personality is None:
            self.skipTest("the base of the personality tests")

    def engines(self):
        p = self.personality
        sim = [h.berth_binary(), "engine-sim", "--port", "{port}", "--served-model-name",
               "{served_model_name}", "--personality", p]
        good = sim + ["--startup-ms", "1200", "--reasoning-tokens", str(REASONING_TOKENS),
                      "--tokens-per-chunk", "2", "--prompt-token-delta", str(DELTA),
                      "--workers", "1"]
        entry = {"kind": p, "command": good}
        if p == "vllm":
            entry["lora_pool"] = {"lora_path": "/loras/{model_name}", "args": ["--enable-lora"],
                                  "env": {"VLLM_ALLOW_RUNTIME_LORA_UPDATING": "true"}}
        elif p == "sglang":
            entry["lora_pool"] = {"lora_path": "/loras/{model_name}", "args": ["--enable-lora"]}
        return {"engines": {
            "qwen3-8b": entry,
            "qwen3.5-9b": {"kind": p, "command": sim + ["--error-after-tokens", "3"]},
        }}

    def native(self, server, body, sse=False):
        conn = http.client.HTTPConnection(h.HOST, server.port, timeout=30)
        headers = {"Authorization": "Bearer " + server.api_key,
                   "Content-Type": "application/json"}
        if sse:
            headers["X-DashScope-SSE"] = "enable"
        conn.request("POST", NATIVE, body=json.dumps(body), headers=headers)
        resp = conn.getresponse()
        raw = resp.read().decode()
        conn.close()
        return resp.status, raw

    def test_engine_works_with_berth(self):
        server = self.serve("--engines", self.write_engines(self.engines()))
        good = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 2})
        faulty = self.deploy(server, {"model_name": "qwen3.5-9b", "capacity": 2})
        replica = self.replicas(server, good)[0]
        self.assertEqual(replica["restarts"], 0, replica)  # loading is starting, never failed
        self.assertEqual(len(group_members(replica["pid"])), 2)  # the engine and its worker
        with self.subTest("answers"):
            self.check_answers(server, good)
        with self.subTest("errors"):
            self.check_error_bodies(server, good)
        with self.subTest("stream errors"):
            self.check_stream_errors(server, faulty)
        with self.subTest("lora"):
            self.check_lora(server, good)
        # Deleting stops the engine's main process, then its group: nothing is left.
        self.assertOk(server.delete(dpath(good)))
        self.assertEqual(server.wait_gone(good, timeout=30).status, 404)
        self.assertTrue(wait_until(lambda: not group_members(replica["pid"]), timeout=15),
                        group_members(replica["pid"]))

    def check_answers(self, server, model):
        r = self.chat(server, chat_body(model, 8))
        self.assertEqual(r.status, 200, r)
        message = r.json["choices"][0]["message"]
        self.assertTrue(message.get("reasoning_content"), message)  # vLLM says "reasoning"
        self.assertNotIn("reasoning", message)
        self.assertTrue(message["content"])
        prompt = r.json["usage"]["prompt_tokens"]

        events = self.stream(server, chat_body(model, 8, stream=True, stream_options={
            "continuous_usage_stats": True}))  # not asked for usage: none, all content kept
        self.assertEqual(events[-1], "[DONE]")
        chunks = [json.loads(e) for e in events[:-1]]
        self.assertTrue(all(not c.get("usage") for c in chunks), chunks)
        deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
        self.assertTrue(any(d.get("reasoning_content") for d in deltas), deltas)
        self.assertTrue(any(d.get("content") for d in deltas), deltas)
        self.assertFalse(any("reasoning" in d for d in deltas), deltas)

        events = self.stream(server, chat_body(model, 8, stream=True, stream_options={
            "include_usage": True, "continuous_usage_stats": True}))
        chunks = [json.loads(e) for e in events[:-1]]
        self.assertTrue(all(c.get("usage") for c in chunks), chunks)  # asked for: on each
        self.assertEqual(chunks[-1]["usage"]["completion_tokens"], 8)

        off = self.chat(server, chat_body(model, 8, enable_thinking=False))
        self.assertEqual(off.status, 200, off)
        self.assertNotIn("reasoning_content", off.json["choices"][0]["message"])

        status, raw = self.native(server, {"model": model, "input": {"messages": MESSAGES},
                                           "parameters": {"max_tokens": 6,
                                                          "result_format": "message"}})
        self.assertEqual(status, 200, raw)
        answer = json.loads(raw)
        self.assertTrue(answer["output"]["choices"][0]["message"]["reasoning_content"], answer)
        self.assertEqual(answer["usage"]["input_tokens"], prompt)
        totals = self.usage(server, model, 5)
        self.assertEqual(totals["input_tokens"], 5 * prompt)  # the engine's count, metered
        self.assertEqual(totals["errors"], 0)

    def check_error_bodies(self, server, model):
        r = self.chat(server, chat_body(model, 40000))  # past max_model_len: the engine's 400
        self.assertEqual(r.status, 400, r)
        self.assertIn("maximum context length", r.json["error"]["message"])
        self.assertEqual(r.json["request_id"], r.header("X-Request-Id"))
        status, raw = self.native(server, {"model": model, "input": {"messages": MESSAGES},
                                           "parameters": {"max_tokens": 40000}})
        self.assertEqual(status, 400, raw)
        body = json.loads(raw)
        self.assertEqual(body["code"], "InvalidParameter")
        self.assertIn("maximum context length", body["message"])
        self.assertTrue(body["request_id"])

    def check_stream_errors(self, server, model):
        events = self.stream(server, chat_body(model, 10, stream=True))
        errors = [json.loads(e) for e in events if e.startswith("{") and '"error"' in e]
        self.assertEqual(len(errors), 1, events)
        self.assertIn("simulated engine error", errors[0]["error"]["message"])
        self.assertTrue(errors[0]["request_id"])
        status, raw = self.native(server, {"model": model, "input": {"messages": MESSAGES},
                                           "parameters": {"max_tokens": 10}}, sse=True)
        self.assertEqual(status, 200, raw)
        self.assertIn("event:error", raw)
        self.assertIn("simulated engine error", raw)
        self.assertEqual(raw.count("event:error"), 1, raw)
        totals = self.usage(server, model, 2)
        self.assertEqual(totals["errors"], 2, totals)

    def check_lora(self, server, good):
        # Refused at registration, with the reason: no lora_path; or an engine without the API.
        refused = server.post("/api/v1/admin/models", {
            "model_name": "qwen3.5-9b-ft-x", "base_model": "qwen3.5-9b", "plans": ["lora"]})
        if self.personality == "llamacpp":
            self.assertError(refused, 400, "InvalidParameter",
                             contains="cannot load LoRA adapters at runtime")
            return
        self.assertError(refused, 400, "InvalidParameter", contains="has no lora_path")
        ft = "qwen3-8b-ft-" + self.personality
        self.assertOk(server.post("/api/v1/admin/models", {
            "model_name": ft, "base_model": "qwen3-8b", "plans": ["lora"]}))
        lora = self.create_running(server, {"model_name": ft, "plan": "lora", "capacity": 1},
                                   timeout=60)["deployed_model"]
        base = self.chat(server, chat_body(good, 6)).json
        r = self.chat(server, chat_body(lora, 6))
        self.assertEqual(r.status, 200, r)
        # The adapter answers, not the base model under its name.
        self.assertNotEqual(r.json["choices"][0]["message"]["content"],
                            base["choices"][0]["message"]["content"])
        self.assertOk(server.delete(dpath(lora)))
        server.wait_gone(lora, timeout=30)


class VllmTest(PersonalityTest):
    personality = "vllm"

    def test_a_busy_engine_leaves_routing_and_is_not_restarted(self):
        # /health answers 400 ms later per running request: one stream makes it miss 300 ms.
        sim = [h.berth_binary(), "engine-sim", "--port", "{port}", "--served-model-name",
               "{served_model_name}", "--personality", "vllm", "--health-lag-ms", "400",
               "--itl-ms", "20", "--reasoning-tokens", "100"]
        engines = {"engines": {"qwen3-8b": {"kind": "vllm", "command": sim, "health": {
            "interval_s": 0.1, "timeout_s": 0.3, "unready_after": 1}}}}
        server = self.serve("--engines", self.write_engines(engines))
        model = self.deploy(server, {"model_name": "qwen3-8b", "capacity": 2})
        before = self.replicas(server, model)[0]
        streaming = threading.Thread(target=lambda: self.stream(
            server, chat_body(model, 150, stream=True)), daemon=True)  # about 3 s
        streaming.start()
        out = server.wait_for(model, lambda r: r.output["ready_capacity"] == 0, timeout=3,
                              interval=0.02)
        self.assertEqual(out.output["ready_capacity"], 0, out)
        self.assertEqual(out.output["status"], "RUNNING", out)
        busy = self.replicas(server, model)[0]
        self.assertEqual(busy["state"], "starting", busy)
        self.assertIn("out of routing", busy["last_error"])
        streaming.join(timeout=20)
        back = server.wait_for(model, lambda r: r.output["ready_capacity"] == 2, timeout=10)
        self.assertEqual(back.output["ready_capacity"], 2, back)
        after = self.replicas(server, model)[0]
        self.assertEqual((after["pid"], after["restarts"]), (before["pid"], 0))  # not killed

        # A client leaving while the engine thinks: the reasoning it got is metered.
        sock = socket.create_connection((h.HOST, server.port), timeout=10)
        body = json.dumps(chat_body(model, 150, stream=True)).encode()
        sock.sendall(b"POST /compatible-mode/v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                     b"Authorization: Bearer " + server.api_key.encode() +
                     b"\r\nContent-Type: application/json\r\nContent-Length: " +
                     str(len(body)).encode() + b"\r\n\r\n" + body)
        seen = b""
        while seen.count(b"reasoning_content") < 4:
            seen += sock.recv(4096)
        sock.close()
        totals = self.usage(server, model, 2)
        self.assertEqual(totals["aborted"], 1, totals)
        self.assertGreater(totals["output_tokens"], 150, totals)  # the first stream's 150, + some


class SglangTest(PersonalityTest):
    personality = "sglang"


class LlamaCppTest(PersonalityTest):
    personality = "llamacpp"

    def test_a_lora_pool_on_llamacpp_stops_serve(self):
        engines = self.write_engines({"engines": {"qwen3-8b": {
            "kind": "llamacpp", "command": ["llama-server"],
            "lora_pool": {"lora_path": "/loras/{model_name}"}}}})
        with tempfile.TemporaryDirectory(prefix="berth-llamacpp-") as data_dir:
            out = subprocess.run([h.berth_binary(), "serve", "--runtime", "process",
                                  "--engines", engines, "--listen", h.HOST + ":0",
                                  "--data-dir", data_dir],
                                 capture_output=True, text=True, timeout=30)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("cannot load LoRA adapters at runtime", out.stderr + out.stdout)


class EngineSimProcessTest(GatewayTestCase):
    """engine-sim's process behaviours on their own: workers, SIGTERM, loading."""

    def start_sim(self, *flags, env=None):
        proc = subprocess.Popen([h.berth_binary(), "engine-sim", "--port", "0",
                                 "--served-model-name", "m"] + list(flags),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=env)
        self.addCleanup(proc.wait)  # cleanups run last first: after the kill below
        self.addCleanup(lambda: subprocess.run(["kill", "-KILL", "--", "-%d" % proc.pid],
                                               stderr=subprocess.DEVNULL))
        self.addCleanup(proc.stdout.close)
        line = proc.stdout.readline().decode()
        return proc, int(line.rsplit(":", 1)[1])

    def test_workers_die_with_the_engine_unless_they_outlive_it(self):
        for outlive in (False, True):
            proc, _ = self.start_sim("--workers", "2", *(["--workers-outlive"] if outlive else []))
            self.assertTrue(wait_until(lambda: len(group_members(proc.pid)) == 3, timeout=5))
            proc.kill()
            proc.wait()
            left = wait_until(lambda: group_members(proc.pid) if outlive else
                              not group_members(proc.pid), timeout=5)
            self.assertTrue(left, (outlive, group_members(proc.pid)))
            self.assertEqual(len(group_members(proc.pid)), 2 if outlive else 0)

    def test_sigterm_drains_aborts_or_lingers(self):
        # A 1.2 s stream, SIGTERM at its start: cut at once; finished; finished, then 2 s.
        for mode, shortest, longest in (("abort", 0, 0.6), ("drain", 1.0, 1.9),
                                        ("slow", 1.9, 3.5)):
            proc, port = self.start_sim("--on-sigterm", mode, "--sigterm-seconds", "2",
                                        "--itl-ms", "20")
            conn = http.client.HTTPConnection(h.HOST, port, timeout=10)
            conn.request("POST", "/v1/chat/completions", body=json.dumps(
                {"model": "m", "max_tokens": 60, "stream": True, "messages": MESSAGES}))
            resp = conn.getresponse()
            started = time.monotonic()
            proc.terminate()
            try:
                raw = resp.read().decode()
            except http.client.IncompleteRead as cut:  # abort: the stream ends unfinished
                raw = cut.partial.decode()
            proc.wait(timeout=10)
            took = time.monotonic() - started
            conn.close()
            self.assertGreaterEqual(took, shortest, (mode, took))
            self.assertLess(took, longest, (mode, took))
            self.assertEqual("[DONE]" in raw, mode != "abort", (mode, raw[-200:]))

    def test_vllms_lora_routes_need_its_environment_variable(self):
        adapter = {"lora_name": "sql", "lora_path": "/loras/sql"}
        plain = {k: v for k, v in os.environ.items() if k != "VLLM_ALLOW_RUNTIME_LORA_UPDATING"}
        _, port = self.start_sim("--personality", "vllm", "--enable-lora", env=plain)
        self.assertEqual(engine_get(port, "/v1/load_lora_adapter", adapter)[0], 404)
        allowed = dict(plain, VLLM_ALLOW_RUNTIME_LORA_UPDATING="True")
        _, port = self.start_sim("--personality", "vllm", "--enable-lora", env=allowed)
        self.assertEqual(engine_get(port, "/v1/load_lora_adapter", adapter)[0], 200)

    def test_loading_refuses_connections_or_answers_503(self):
        _, port = self.start_sim("--loading", "503", "--startup-ms", "5000")
        status, body = engine_get(port, "/health")
        self.assertEqual(status, 503)
        proc = subprocess.Popen([h.berth_binary(), "engine-sim", "--port", "0", "--loading",
                                 "refuse", "--startup-ms", "800"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        started = time.monotonic()
        line = proc.stdout.readline().decode()  # the port opens once loading is over
        proc.stdout.close()
        self.assertGreaterEqual(time.monotonic() - started, 0.7)
        self.assertEqual(engine_get(int(line.rsplit(":", 1)[1]), "/health")[0], 200)


if __name__ == "__main__":
    h.main()
