#!/usr/bin/env python3
"""rpm / tpm limits across three `berth serve` instances on one real PostgreSQL 15, sim runtime.

Each instance leases blocks of a deployment's limits from the database and admits from them in
memory (docs/operations.md, "Limits across instances"):
- skewed: all traffic to one instance reaches the whole limit (not a third of it), and no more;
- spread: round-robin over the three, the sum admitted within the minute stays within the limit
  plus one request per instance, and the instances together still get most of it.
The whole test runs inside one 60 s window (a few seconds of traffic).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
import pg_harness  # noqa: E402

CHAT = "/compatible-mode/v1/chat/completions"
RPM = 30
INSTANCES = 3


class LimitsAcrossInstancesTest(h.BerthTestCase):
    shared_server = False

    def start_cluster(self):
        url = pg_harness.shared().fresh_database()
        servers = []
        for _ in range(INSTANCES):
            server = h.BerthServer(store=url, sim_ready_ms=100)
            self.addCleanup(server.cleanup)
            servers.append(server.start())
        return servers

    def deploy(self, server, suffix, **limits):
        body = {"model_name": "qwen3-8b", "capacity": 2, "suffix": suffix}
        body.update(limits)
        model = self.assertOk(server.create(body))["deployed_model"]
        self.assertOk(server.wait_running(model, timeout=20))
        return model

    def send(self, server, model):
        """(status, total tokens) of one chat call."""
        body = {"model": model, "max_tokens": 4, "messages": [{"role": "user", "content": "x"}]}
        r = server.post(CHAT, body)
        self.assertIn(r.status, (200, 404, 429), r)
        return r.status, (r.json["usage"]["total_tokens"] if r.status == 200 else 0)

    def until_routed(self, server, model):
        """Sends until the instance routes `model`; its first answer (a 200) is returned."""
        deadline = time.monotonic() + 10
        while True:
            status, tokens = self.send(server, model)
            if status == 200:
                return tokens
            self.assertEqual(status, 404)
            self.assertLess(time.monotonic(), deadline, "instance never routed " + model)
            time.sleep(0.1)

    def skewed(self, server, model, seconds=6.0):
        """All traffic to `server` for `seconds`: (admitted, tokens admitted, statuses)."""
        admitted, tokens, statuses = 1, self.until_routed(server, model), []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status, used = self.send(server, model)
            statuses.append(status)
            admitted += status == 200
            tokens += used
            time.sleep(0.01)
        return admitted, tokens, statuses

    def spread(self, servers, model, seconds=8.0):
        """Round-robin over `servers` for `seconds` (after each one routes `model`)."""
        admitted = len(servers)
        tokens = sum(self.until_routed(s, model) for s in servers)
        deadline, i = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            status, used = self.send(servers[i % len(servers)], model)
            admitted += status == 200
            tokens += used
            i += 1
            time.sleep(0.02)
        return admitted, tokens

    def test_rpm_limit_holds_skewed_to_one_instance_or_spread_over_all(self):
        servers = self.start_cluster()
        skewed_model = self.deploy(servers[0], "skew", rpm_limit=RPM)
        spread_model = self.deploy(servers[0], "spread", rpm_limit=RPM)

        admitted, _, statuses = self.skewed(servers[1], skewed_model)
        sys.stderr.write("rpm %d skewed: %d admitted\n" % (RPM, admitted))
        self.assertEqual(admitted, RPM, "the whole limit, not a third: %s" % statuses)
        self.assertEqual(statuses[-5:], [429] * 5)

        admitted, _ = self.spread(servers, spread_model)
        sys.stderr.write("rpm %d spread: %d admitted\n" % (RPM, admitted))
        self.assertLessEqual(admitted, RPM + INSTANCES)
        self.assertGreaterEqual(admitted, RPM - 3, "most of the limit, not held back idle")

        metrics = servers[1].get("/metrics", key=None).text
        self.assertIn("berth_cluster_instances 3", metrics)
        granted = [line for line in metrics.splitlines()
                   if line.startswith('berth_limit_budget_leases_total{result="granted"}')]
        self.assertEqual(len(granted), 1, metrics)
        self.assertGreaterEqual(int(granted[0].split()[-1]), 3, "blocks of 3 requests")

    def test_tpm_limit_holds_skewed_to_one_instance_or_spread_over_all(self):
        servers = self.start_cluster()
        # Learn what one call costs, on a deployment without limits.
        per_call = self.until_routed(servers[0], self.deploy(servers[0], "probe"))
        tpm = 20 * per_call
        skewed_model = self.deploy(servers[0], "skew", tpm_limit=tpm)
        spread_model = self.deploy(servers[0], "spread", tpm_limit=tpm)

        _, tokens, statuses = self.skewed(servers[2], skewed_model)
        sys.stderr.write("tpm %d (%d a call) skewed: %d admitted\n" % (tpm, per_call, tokens))
        self.assertGreaterEqual(tokens, tpm - per_call, "the whole limit: %s" % statuses)
        self.assertLessEqual(tokens, tpm + per_call)

        _, tokens = self.spread(servers, spread_model)
        sys.stderr.write("tpm %d spread: %d admitted\n" % (tpm, tokens))
        self.assertLessEqual(tokens, tpm + INSTANCES * per_call)
        self.assertGreaterEqual(tokens, tpm - 3 * per_call)


if __name__ == "__main__":
    h.main()
