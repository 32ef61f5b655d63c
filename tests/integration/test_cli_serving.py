#!/usr/bin/env python3
"""`berth chat`, `berth usage` and `berth bill` against a real `berth serve`: the gateway
(/compatible-mode/v1/chat/completions), the usage route (GET /api/v1/deployments/{id}/usage)
and the billing route (GET /api/v1/billing).

Uses the process runtime (the built-in engine-sim answers the chat), so the chat really flows
through the gateway to an engine and is then metered and billed."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from cli_harness import run_cli  # noqa: E402


class PendingCliTest(h.BerthTestCase):
    server_args = {"sim_ready_ms": 200, "runtime": "process"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = run_cli(cls.server, ["deployments", "create", "qwen3-8b", "--capacity", "2",
                                 "--wait", "--interval", "100ms", "--timeout", "60s",
                                 "-o", "json"])
        assert r.code == 0, r
        cls.deployed = r.json["deployed_model"]
        r = run_cli(cls.server, ["chat", "--model", cls.deployed, "--max-tokens", "16",
                                 "Tell me about harbours"])
        assert r.code == 0, r
        cls.chat = r

    def cli(self, *args, **kw):
        return run_cli(self.server, args, **kw)

    def test_chat_prints_the_streamed_answer(self):
        self.assertTrue(self.chat.out.strip(), self.chat)
        self.assertTrue(self.chat.out.endswith("\n"), self.chat)
        self.assertEqual(self.chat.err, "")

    def test_chat_json_prints_one_chunk_per_line(self):
        r = self.cli("chat", "-m", self.deployed, "--max-tokens", "4", "-o", "json", "hi")
        self.assertEqual(r.code, 0, r)
        import json
        chunks = [json.loads(line) for line in r.out.splitlines()]
        self.assertTrue(chunks)
        self.assertTrue(all("choices" in c for c in chunks), r)

    def test_chat_with_an_unknown_model_shows_the_gateways_error(self):
        r = self.cli("chat", "-m", "no-such-deployment", "hi")
        self.assertEqual(r.code, 1, r)
        self.assertRegex(r.err, r"^error: \S+: .+ \(HTTP 4\d\d")

    def test_chat_with_a_bad_key(self):
        r = self.cli("chat", "-m", self.deployed, "hi", key="sk-not-a-real-key")
        self.assertEqual(r.code, 1, r)
        self.assertIn("HTTP 401", r.err)

    def test_usage_counts_the_chat(self):
        # Usage records are stored in batches, up to 200 ms after the answer, but the usage
        # route stores what is queued before it reads: the chat of setUpClass counts at once.
        r = self.cli("usage", self.deployed, "-o", "json")
        self.assertEqual(r.code, 0, r)
        out = r.json
        self.assertEqual(out["deployed_model"], self.deployed)
        self.assertGreaterEqual(out["totals"]["requests"], 1)
        self.assertGreater(out["totals"]["input_tokens"], 0)
        direct = self.server.get("/api/v1/deployments/%s/usage" % self.deployed).output
        self.assertEqual(out["totals"], direct["totals"])  # the default period ends "now"
        self.assertEqual(out["hours"], direct["hours"])
        r = self.cli("usage", self.deployed)
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"^%s: usage from " % re.escape(self.deployed))
        self.assertRegex(r.out, r"(?m)^HOUR\s+REQUESTS\s+INPUT TOKENS\s+OUTPUT TOKENS")
        self.assertRegex(r.out, r"(?m)^Total: [\d,]+ requests, [\d,]+ input tokens, "
                                r"[\d,]+ output tokens$")

    def test_usage_with_a_period_and_of_an_unknown_deployment(self):
        r = self.cli("usage", self.deployed, "--start", "2000-01-01", "--end", "2000-01-02",
                     "-o", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json["totals"]["requests"], 0)
        r = self.cli("usage", "no-such-deployment")
        self.assertEqual(r.code, 1, r)
        self.assertIn("NotFound", r.err)

    def test_bill_shows_money(self):
        r = self.cli("bill", "-o", "json")
        self.assertEqual(r.code, 0, r)
        out = r.json
        direct = self.server.get("/api/v1/billing").output  # amounts accrue: compare the rest
        self.assertEqual(out["currency"], direct["currency"])
        self.assertEqual({l["deployed_model"] for l in out["lines"]},
                         {l["deployed_model"] for l in direct["lines"]})
        self.assertTrue(any(l["deployed_model"] == self.deployed for l in out["lines"]), out)
        r = self.cli("bill")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"^Bill from .* \(UTC\), %s\n" % out["currency"])
        self.assertRegex(r.out, r"(?m)^HOUR\s+DEPLOYED MODEL\s+PLAN\s+ITEM\s+QUANTITY")
        self.assertRegex(r.out, r"(?m)^Total: \S*[\d,]+\.\d\d")

    def test_bill_filtered_by_deployment(self):
        r = self.cli("bill", "--deployment", self.deployed, "-o", "json")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.json["lines"])
        self.assertEqual({l["deployed_model"] for l in r.json["lines"]}, {self.deployed})
        r = self.cli("bill", "--start", "2000-01-01", "--end", "2000-01-02")
        self.assertEqual(r.code, 0, r)
        self.assertIn("No charges in this period.", r.out)


if __name__ == "__main__":
    h.main()
