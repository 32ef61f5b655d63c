#!/usr/bin/env python3
"""`--runtime sim` replicas answer inference in-process (engine-sim's generator and token rule,
no process, no port) through the same gateway path: answers, streams, rpm limits and metering.
Also run with every berth on PostgreSQL (ctest integration.sim_inference_postgres)."""

import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

CHAT = "/compatible-mode/v1/chat/completions"
MESSAGES = [{"role": "user", "content": "Tell me about harbours"}]


class SimInferenceTest(h.BerthTestCase):
    server_args = {"sim_ready_ms": 100}

    def deploy(self, body):
        out = self.assertOk(self.server.create(body))
        self.assertOk(self.server.wait_running(out["deployed_model"], timeout=20))
        return out["deployed_model"]

    def test_answers_streams_and_meters_in_process(self):
        model = self.deploy({"model_name": "qwen3-8b", "capacity": 2, "suffix": "sim"})
        body = {"model": model, "messages": MESSAGES, "max_tokens": 8}
        first = self.server.post(CHAT, body)
        self.assertEqual(first.status, 200, first)
        answer = first.json
        self.assertEqual(answer["usage"]["completion_tokens"], 8, answer)
        self.assertTrue(answer["choices"][0]["message"]["content"], answer)
        again = self.server.post(CHAT, body).json
        self.assertEqual(again["choices"][0]["message"]["content"],
                         answer["choices"][0]["message"]["content"], "engine-sim is deterministic")

        conn = http.client.HTTPConnection(h.HOST, self.server.port, timeout=30)
        conn.request("POST", CHAT, body=json.dumps(dict(body, stream=True)), headers={
            "Authorization": "Bearer " + self.server.api_key, "Content-Type": "application/json"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        text = resp.read().decode()
        conn.close()
        self.assertTrue(text.rstrip().endswith("data: [DONE]"), text[-200:])

        deadline = time.monotonic() + 10
        while True:
            totals = self.assertOk(self.server.get("/api/v1/deployments/%s/usage" % model))["totals"]
            if totals["requests"] >= 3:
                break
            self.assertLess(time.monotonic(), deadline, totals)
            time.sleep(0.1)
        self.assertEqual(totals["requests"], 3, totals)

    def test_rpm_limit_holds_on_sim_replicas(self):
        model = self.deploy({"model_name": "qwen3-8b", "capacity": 2, "rpm_limit": 2,
                             "suffix": "rpm"})
        body = {"model": model, "messages": MESSAGES, "max_tokens": 4}
        statuses = [self.server.post(CHAT, body).status for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 429, 429])


if __name__ == "__main__":
    h.main()
