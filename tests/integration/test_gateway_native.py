#!/usr/bin/env python3
"""The DashScope native text-generation API of berth's gateway, called exactly as the official
`dashscope` Python SDK calls it (dashscope-api.md §6.1, §7.1), against `berth serve --runtime
process` with real engine-sim processes:

- headers X-DashScope-SSE: enable, Accept: text/event-stream, X-Accel-Buffering: no and
  Authorization: Bearer; body {"model", "input": {"messages"}, "parameters": {...}};
- whole answers in text and message result formats, usage equal to the engine's own count;
- streams with and without incremental_output: deltas add up to the whole answer, cumulative text
  only grows, the last event has a real finish_reason and the engine's exact usage;
- native error shapes: bad or missing key 401 InvalidApiKey, unknown model 404, missing input 400
  InvalidParameter, another workspace's deployment 404 (no existence leak), on both APIs.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from test_process_runtime import ProcessRuntimeTestCase, engine_get  # noqa: E402

NATIVE = "/api/v1/services/aigc/text-generation/generation"
COMPAT_CHAT = "/compatible-mode/v1/chat/completions"
SDK_HEADERS = {  # what dashscope's http_request.py sends for a streamed call
    "X-DashScope-SSE": "enable",
    "Accept": "text/event-stream",
    "X-Accel-Buffering": "no",
    "User-Agent": "dashscope/1.26.2; python/3.11; platform/Linux",
}
MESSAGES = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Who are you? Answer in one sentence."}]


def native_body(model, messages=MESSAGES, **parameters):
    return {"model": model, "input": {"messages": messages}, "parameters": parameters}


def parse_sse(text):
    """The native SSE events: a list of dicts {id, event, status, data (parsed JSON)}."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        event = {}
        for line in block.split("\n"):
            if line.startswith(":HTTP_STATUS/"):
                event["status"] = int(line[len(":HTTP_STATUS/"):])
            elif line.startswith(":"):
                continue
            elif ":" in line:
                field, value = line.split(":", 1)
                event[field] = value
        if "data" in event:
            event["data"] = json.loads(event["data"])
        events.append(event)
    return events


class GatewayNativeTest(ProcessRuntimeTestCase):
    def setUp(self):
        self.server = self.process_server()
        d = self.create_running(self.server, {"model_name": "qwen3-8b", "capacity": 2})
        self.dm = d["deployed_model"]
        replicas = self.replicas(self.server, self.dm)
        self.assertEqual(len(replicas), 1, replicas)  # MU1: capacity 2 is one replica
        self.engine_port = replicas[0]["port"]

    # ---- helpers --------------------------------------------------------------------------

    def native(self, body, stream=False, key="default", headers=None):
        hdrs = dict(SDK_HEADERS) if stream else {"Accept": "application/json"}
        hdrs.update(headers or {})
        return self.server.post(NATIVE, body, key=key, headers=hdrs, timeout=30)

    def engine_usage(self, messages=MESSAGES, **extra):
        """What the engine itself reports for the same prompt."""
        status, body = engine_get(self.engine_port, "/v1/chat/completions",
                                  dict({"model": self.dm, "messages": messages}, **extra))
        self.assertEqual(status, 200, body)
        return body

    def stream_events(self, body, **kw):
        resp = self.native(body, stream=True, **kw)
        self.assertEqual(resp.status, 200, resp)
        self.assertTrue(resp.header("Content-Type").startswith("text/event-stream"), resp.headers)
        request_id = resp.header("X-Request-Id")
        self.assertTrue(request_id, resp.headers)
        events = parse_sse(resp.text)
        self.assertGreater(len(events), 1, resp.text)
        for n, e in enumerate(events, 1):
            self.assertEqual(e.get("id"), str(n), e)
            self.assertEqual(e.get("event"), "result", e)
            self.assertEqual(e.get("status"), 200, e)
            self.assertEqual(e["data"]["request_id"], request_id, e)
            self.assertIn("output", e["data"], e)
            self.assertIn("usage", e["data"], e)
        return events

    def assertNativeError(self, resp, status, code, message=None):
        self.assertEqual(resp.status, status, resp)
        self.assertIsInstance(resp.json, dict, resp)
        self.assertEqual(set(resp.json), {"request_id", "code", "message"}, resp)
        self.assertEqual(resp.json["code"], code, resp)
        self.assertTrue(resp.json["request_id"], resp)
        self.assertEqual(resp.header("X-Request-Id"), resp.json["request_id"], resp)
        if message is not None:
            self.assertEqual(resp.json["message"], message, resp)

    def assertUsageMatchesEngine(self, usage, engine):
        self.assertEqual(usage["input_tokens"], engine["usage"]["prompt_tokens"], usage)
        self.assertEqual(usage["output_tokens"], engine["usage"]["completion_tokens"], usage)
        self.assertEqual(usage["total_tokens"], usage["input_tokens"] + usage["output_tokens"],
                         usage)

    # ---- whole answers ----------------------------------------------------------------------

    def test_whole_answer_text_format(self):
        engine = self.engine_usage()
        for params in ({}, {"result_format": "text"}):
            resp = self.native(native_body(self.dm, **params))
            self.assertEqual(resp.status, 200, resp)
            out = resp.json["output"]
            self.assertEqual(out["text"], engine["choices"][0]["message"]["content"], resp)
            self.assertEqual(out["finish_reason"], "stop", resp)
            self.assertNotIn("choices", out, resp)
            self.assertEqual(resp.json["request_id"], resp.header("X-Request-Id"))
            self.assertUsageMatchesEngine(resp.json["usage"], engine)

    def test_whole_answer_message_format(self):
        engine = self.engine_usage()
        resp = self.native(native_body(self.dm, result_format="message"))
        self.assertEqual(resp.status, 200, resp)
        choices = resp.json["output"]["choices"]
        self.assertEqual(len(choices), 1, resp)
        self.assertEqual(choices[0]["finish_reason"], "stop", resp)
        self.assertEqual(choices[0]["message"]["role"], "assistant", resp)
        self.assertEqual(choices[0]["message"]["content"],
                         engine["choices"][0]["message"]["content"], resp)
        self.assertUsageMatchesEngine(resp.json["usage"], engine)

    def test_legacy_prompt_and_max_tokens(self):
        body = {"model": self.dm, "input": {"prompt": "Tell me a story."},
                "parameters": {"max_tokens": 6}}
        resp = self.native(body)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json["output"]["finish_reason"], "length", resp)
        self.assertEqual(resp.json["usage"]["output_tokens"], 6, resp)
        engine = self.engine_usage([{"role": "user", "content": "Tell me a story."}],
                                   max_tokens=6)
        self.assertUsageMatchesEngine(resp.json["usage"], engine)

    # ---- streams ----------------------------------------------------------------------------

    def test_stream_incremental_as_the_python_sdk_sends_it(self):
        engine = self.engine_usage()
        whole = engine["choices"][0]["message"]["content"]
        events = self.stream_events(native_body(self.dm, result_format="message",
                                                incremental_output=True))
        deltas = [e["data"]["output"]["choices"][0]["message"]["content"] for e in events]
        self.assertEqual("".join(deltas), whole, deltas)
        for e in events[:-1]:
            self.assertEqual(e["data"]["output"]["choices"][0]["finish_reason"], "null", e)
        last = events[-1]["data"]
        self.assertNotEqual(last["output"]["choices"][0]["finish_reason"], "null", last)
        self.assertEqual(last["output"]["choices"][0]["finish_reason"], "stop", last)
        self.assertUsageMatchesEngine(last["usage"], engine)

    def test_stream_cumulative_text_grows(self):
        engine = self.engine_usage()
        whole = engine["choices"][0]["message"]["content"]
        for params in ({"incremental_output": False}, {}):  # cumulative is the default
            events = self.stream_events(native_body(self.dm, **params))
            texts = [e["data"]["output"]["text"] for e in events]
            for before, after in zip(texts, texts[1:]):
                self.assertTrue(after.startswith(before), (before, after))
                self.assertGreaterEqual(len(after), len(before))
            self.assertGreater(len(texts[-1]), len(texts[0]), texts)
            self.assertEqual(texts[-1], whole)
            for e in events[:-1]:
                self.assertEqual(e["data"]["output"]["finish_reason"], "null", e)
            last = events[-1]["data"]
            self.assertEqual(last["output"]["finish_reason"], "stop", last)
            self.assertUsageMatchesEngine(last["usage"], engine)

    def test_stream_cumulative_message_format(self):
        engine = self.engine_usage()
        events = self.stream_events(native_body(self.dm, result_format="message"))
        texts = [e["data"]["output"]["choices"][0]["message"]["content"] for e in events]
        for before, after in zip(texts, texts[1:]):
            self.assertTrue(after.startswith(before), (before, after))
        self.assertEqual(texts[-1], engine["choices"][0]["message"]["content"])
        self.assertUsageMatchesEngine(events[-1]["data"]["usage"], engine)

    def test_stream_by_accept_header_alone_and_by_sse_header_alone(self):
        engine = self.engine_usage()
        for only in ({"Accept": "text/event-stream"}, {"X-DashScope-SSE": "enable"}):
            resp = self.server.post(NATIVE, native_body(self.dm, incremental_output=True),
                                    headers=only, timeout=30)
            self.assertEqual(resp.status, 200, resp)
            self.assertTrue(resp.header("Content-Type").startswith("text/event-stream"), only)
            events = parse_sse(resp.text)
            self.assertEqual("".join(e["data"]["output"]["text"] for e in events),
                             engine["choices"][0]["message"]["content"], only)

    def test_stream_with_max_tokens_ends_with_length(self):
        events = self.stream_events(native_body(self.dm, incremental_output=True, max_tokens=4))
        last = events[-1]["data"]
        self.assertEqual(last["output"]["finish_reason"], "length", last)
        self.assertEqual(last["usage"]["output_tokens"], 4, last)

    # ---- errors -----------------------------------------------------------------------------

    def test_bad_key_401(self):
        body = native_body(self.dm, result_format="message", incremental_output=True)
        for stream in (False, True):
            resp = self.native(body, stream=stream, key="sk-not-a-real-key-0000")
            self.assertNativeError(resp, 401, "InvalidApiKey", "Invalid API-key provided.")
            resp = self.native(body, stream=stream, key=None)
            self.assertNativeError(resp, 401, "InvalidApiKey", "No API-key provided.")

    def test_unknown_model_404(self):
        for stream in (False, True):
            resp = self.native(native_body(self.dm + "-nope"), stream=stream)
            self.assertEqual(resp.status, 404, resp)
            self.assertNativeError(resp, 404, resp.json.get("code"))
            self.assertIn(self.dm + "-nope", resp.json["message"], resp)

    def test_missing_input_400(self):
        for body in ({"model": self.dm, "parameters": {"result_format": "message"}},
                     {"model": self.dm, "input": {}},
                     {"model": self.dm, "input": {"messages": []}}):
            resp = self.native(body, stream=True)
            self.assertNativeError(resp, 400, "InvalidParameter")
            self.assertIn("input", resp.json["message"], (body, resp))
        resp = self.native({"input": {"messages": MESSAGES}})
        self.assertNativeError(resp, 400, "InvalidParameter")
        self.assertIn("model", resp.json["message"], resp)
        resp = self.server.post(NATIVE, raw_body="{not json", headers=SDK_HEADERS)
        self.assertNativeError(resp, 400, "InvalidParameter")

    def test_every_error_carries_its_request_id(self):
        # GET on the native route: 405 with Allow, in the native shape.
        resp = self.server.get(NATIVE)
        self.assertNativeError(resp, 405, "MethodNotAllowed")
        self.assertEqual(resp.header("Allow"), "POST", resp.headers)
        # An unknown model card: 404 in the OpenAI shape, with the request id as a header too.
        resp = self.server.get("/compatible-mode/v1/models/" + self.dm + "-nope")
        self.assertEqual(resp.status, 404, resp)
        self.assertEqual(resp.json["error"]["code"], "model_not_found", resp)
        self.assertTrue(resp.json["request_id"], resp)
        self.assertEqual(resp.header("X-Request-Id"), resp.json["request_id"], resp.headers)

    def test_another_workspaces_deployment_is_404(self):
        ws = self.assertOk(self.server.post("/api/v1/admin/workspaces", {"name": "team-b"}))
        key = self.assertOk(self.server.post("/api/v1/admin/keys",
                                             {"workspace_id": ws["workspace_id"],
                                              "admin": False}))["api_key"]
        body = native_body(self.dm, result_format="message", incremental_output=True)

        # The deployment exists and answers its own workspace...
        self.assertEqual(self.native(body).status, 200)
        # ...but to another workspace it is exactly like a model that does not exist.
        for stream in (False, True):
            other = self.native(body, stream=stream, key=key)
            missing = self.native(native_body(self.dm + "-nope"), stream=stream, key=key)
            self.assertNativeError(other, 404, missing.json["code"])
            self.assertEqual(other.json["message"].replace(self.dm, "X"),
                             missing.json["message"].replace(self.dm + "-nope", "X"))

        compat = self.server.post(COMPAT_CHAT, {"model": self.dm, "messages": MESSAGES}, key=key)
        self.assertEqual(compat.status, 404, compat)
        self.assertEqual(compat.json["error"]["code"], "model_not_found", compat)
        models = self.server.get("/compatible-mode/v1/models", key=key)
        self.assertEqual(models.status, 200, models)
        self.assertEqual(models.json["data"], [], models)
        self.assertEqual(self.server.get("/compatible-mode/v1/models/" + self.dm,
                                         key=key).status, 404)
        mine = self.server.get("/compatible-mode/v1/models")
        self.assertIn(self.dm, [m["id"] for m in mine.json["data"]], mine)

        # An admin key naming the other workspace acts in it: 404 there too.
        resp = self.native(body, headers={"X-DashScope-WorkSpace": ws["workspace_id"]})
        self.assertNativeError(resp, 404, missing.json["code"])
        # A normal key may not name a workspace that is not its own.
        default_ws = self.server.get_deployment(self.dm).output["workspace_id"]
        resp = self.native(body, key=key, headers={"X-DashScope-WorkSpace": default_ws})
        self.assertNativeError(resp, 403, "AccessDenied")


if __name__ == "__main__":
    h.main()
