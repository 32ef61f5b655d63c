#!/usr/bin/env python3
"""Three `berth serve` instances on one real PostgreSQL 15 (pg_harness.py), sim runtime.

- One leader; every instance lists all three in GET /api/v1/admin/cluster; a write on one
  instance is read on every other at once, and every instance's gateway answers inference
  for the new deployment (in-process sim replicas).
- kill -9 of the leader in the middle of a burst of creates and scales sent round-robin:
  another instance leads within 5 s with a higher term; every acknowledged create is there,
  once; every acknowledged scale is in the record; every deployment converges to RUNNING; no
  replica running before the kill is restarted (the sim replicas are rows in PostgreSQL).
- (Limits across instances: test_cluster_limits.py.)
- PostgreSQL stopped under load: the API answers 503 ServiceUnavailable (a create is never
  acknowledged while the database is down), and recovers by itself when it is back.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
import pg_harness  # noqa: E402

DEPLOYMENTS = "/api/v1/deployments"
CLUSTER = "/api/v1/admin/cluster"
CHAT = "/compatible-mode/v1/chat/completions"
BURST = 60
THREADS = 6
KILL_AFTER_ACKS = 15


class ClusterTestCase(h.BerthTestCase):
    shared_server = False

    def start_cluster(self, n=3):
        url = pg_harness.shared().fresh_database()
        servers = []
        for _ in range(n):
            server = h.BerthServer(store=url, sim_ready_ms=100)
            self.addCleanup(server.cleanup)
            servers.append(server.start())
        return servers

    def cluster(self, server):
        return self.assertOk(server.get(CLUSTER, timeout=5))

    def wait_leader(self, servers, not_leader=None, timeout=10.0):
        """The leader's instance id and term once every server agrees on one."""
        deadline = time.monotonic() + timeout
        while True:
            views = []
            for s in servers:
                try:
                    views.append(self.cluster(s))
                except (OSError, AssertionError):
                    views.append(None)
            leaders = {(v["leader"], v["term"]) for v in views if v}
            if len(leaders) == 1 and None not in views:
                leader, term = next(iter(leaders))
                if leader and leader != not_leader:
                    return leader, term, views
            if time.monotonic() > deadline:
                self.fail("no agreed leader after %.0fs: %s" % (timeout, views))
            time.sleep(0.1)

    def replica_ids(self, server, deployed_model):
        out = self.assertOk(server.get(DEPLOYMENTS + "/" + deployed_model + "/replicas"))
        return {r["replica_id"] for r in out["replicas"]}

    def list_all(self, server):
        out = self.assertOk(server.get(DEPLOYMENTS + "?page_size=200"))
        self.assertEqual(out["total"], len(out["deployments"]))
        return out["deployments"]


class ClusterBasicsTest(ClusterTestCase):
    def test_one_leader_and_every_write_visible_everywhere(self):
        servers = self.start_cluster()
        leader, term, views = self.wait_leader(servers)
        self.assertGreaterEqual(term, 1)
        for v in views:
            self.assertEqual(v["store"], "postgresql")
            self.assertEqual(len(v["instances"]), 3, v)
            self.assertEqual([i["instance_id"] for i in v["instances"] if i["leader"]], [leader])
        r = servers[1].create({"model_name": "qwen3-8b", "capacity": 2, "suffix": "c1"})
        created = self.assertOk(r)
        for s in servers:
            self.assertOk(s.get_deployment(created["deployed_model"]))
        running = servers[2].wait_running(created["deployed_model"], timeout=20)
        self.assertEqual(self.assertOk(running)["status"], "RUNNING")
        # Every instance's routing table follows (NOTIFY), and each answers in-process.
        body = {"model": created["deployed_model"], "max_tokens": 4,
                "messages": [{"role": "user", "content": "hello"}]}
        for s in servers:
            deadline = time.monotonic() + 5
            while True:
                r = s.post(CHAT, body)
                if r.status == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["usage"]["completion_tokens"], 4, r.json)
        metrics = servers[0].get("/metrics", key=None).text
        self.assertIn("berth_cluster_lease_term %d" % term, metrics)


class LeaderKilledMidBurstTest(ClusterTestCase):
    def test_kill9_of_the_leader_mid_burst(self):
        servers = self.start_cluster()
        leader, term, views = self.wait_leader(servers)
        by_id = {v["self"]: s for v, s in zip(views, servers)}
        victim = by_id[leader]
        survivors = [s for s in servers if s is not victim]
        # Some replicas surely running before the kill, whatever the burst's timing.
        for i, s in enumerate(servers):
            out = self.assertOk(s.create({"model_name": "qwen3-8b", "capacity": 2,
                                          "suffix": "base%d" % i}))
            self.assertOk(s.wait_running(out["deployed_model"], timeout=20))

        lock = threading.Condition()
        next_index = [0]
        acked = {}       # deployed_model -> acknowledged create
        scaled = {}      # deployed_model -> capacities acknowledged by scales
        other = []       # non-200 answers that are not a dead connection

        def worker(w):
            while True:
                with lock:
                    n = next_index[0]
                    if n >= BURST:
                        return
                    next_index[0] += 1
                server = servers[n % len(servers)]
                try:
                    r = server.create({"model_name": "qwen3-8b", "capacity": 2,
                                       "suffix": "b%d" % n}, timeout=20)
                    if r.status != 200:
                        other.append((r.status, r.text))
                        continue
                    with lock:
                        acked[r.output["deployed_model"]] = r.output
                        lock.notify_all()
                    scaler = servers[(n + 1) % len(servers)]
                    s = scaler.put(DEPLOYMENTS + "/" + r.output["deployed_model"] + "/scale",
                                   {"capacity": 4}, timeout=20)
                    if s.status == 200:
                        with lock:
                            scaled.setdefault(r.output["deployed_model"], []).append(4)
                    elif s.status >= 500:
                        other.append((s.status, s.text))
                except (OSError, h.http.client.HTTPException):
                    continue  # the killed instance: not acknowledged

        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(THREADS)]
        for t in threads:
            t.start()
        with lock:
            lock.wait_for(lambda: len(acked) >= KILL_AFTER_ACKS or other, timeout=30)
        # The replicas already running: none may be restarted by the new leader.
        before = {}
        for d in self.list_all(survivors[0]):
            if d["status"] == "RUNNING":
                before[d["deployed_model"]] = self.replica_ids(survivors[0], d["deployed_model"])
        victim.kill9()
        killed_at = time.monotonic()
        new_leader, new_term, _ = self.wait_leader(survivors, not_leader=leader, timeout=10)
        took_over = time.monotonic() - killed_at
        for t in threads:
            t.join(timeout=60)
            self.assertFalse(t.is_alive(), "a client thread hung")
        print("\nleader %s killed after %d acks; %s leads (term %d -> %d) after %.2fs; "
              "%d creates and %d scales acknowledged"
              % (leader, KILL_AFTER_ACKS, new_leader, term, new_term, took_over, len(acked),
                 len(scaled)), file=sys.stderr)
        self.assertLess(took_over, 5.0)
        self.assertGreater(new_term, term)
        self.assertEqual(other, [], "only 200s or dropped connections are expected")

        listed = self.list_all(survivors[0])
        names = [d["deployed_model"] for d in listed]
        self.assertEqual(len(names), len(set(names)), "no duplicate")
        self.assertLessEqual(set(acked), set(names), "every acknowledged create is there")
        for name in scaled:
            d = self.assertOk(survivors[1].get_deployment(name))
            self.assertEqual(d["capacity"], 4, d)
        deadline = time.monotonic() + 60
        while True:
            not_yet = [d for d in self.list_all(survivors[1])
                       if d["status"] != "RUNNING" or d["ready_capacity"] != d["capacity"]]
            if not not_yet:
                break
            if time.monotonic() > deadline:
                self.fail("not all RUNNING: %d left, e.g. %s" % (len(not_yet), not_yet[:2]))
            time.sleep(0.2)
        self.assertTrue(before, "some deployments were RUNNING before the kill")
        for name, ids in before.items():
            after = self.replica_ids(survivors[1], name)
            self.assertLessEqual(ids, after, "%s: a replica was restarted" % name)


class PostgresRestartTest(ClusterTestCase):
    def test_postgres_down_is_503_never_a_false_200_and_heals(self):
        servers = self.start_cluster(n=2)
        self.wait_leader(servers)
        pg = pg_harness.shared()
        before = self.assertOk(servers[0].create({"model_name": "qwen3-8b", "capacity": 2,
                                                  "suffix": "pre"}))
        self.assertOk(servers[1].wait_running(before["deployed_model"], timeout=20))
        chat = {"model": before["deployed_model"], "max_tokens": 4,
                "messages": [{"role": "user", "content": "hello"}]}
        for s in servers:  # every routing table knows the replicas
            deadline = time.monotonic() + 5
            while s.post(CHAT, chat).status != 200:
                self.assertLess(time.monotonic(), deadline, "no route on %s" % s.base)
                time.sleep(0.1)
        pg.stop()
        try:
            acked_while_down = []
            for i, s in enumerate(servers * 3):
                r = s.create({"model_name": "qwen3-8b", "capacity": 2, "suffix": "d%d" % i},
                             timeout=20)
                if r.status == 200:
                    acked_while_down.append(r.output["deployed_model"])
                    continue
                self.assertError(r, 503, "ServiceUnavailable")
                g = s.get_deployment(before["deployed_model"], timeout=20)
                self.assertError(g, 503, "ServiceUnavailable")
                # The gateway keeps serving the replicas it knows; usage waits in memory.
                c = s.post(CHAT, chat, timeout=20)
                self.assertEqual(c.status, 200, c)
            self.assertEqual(acked_while_down, [], "a create acknowledged with the store down")
        finally:
            pg.start()
        deadline = time.monotonic() + 20
        for s in servers:
            while True:
                r = s.get_deployment(before["deployed_model"], timeout=20)
                if r.status == 200:
                    break
                if time.monotonic() > deadline:
                    self.fail("no recovery after PostgreSQL came back: %s" % r)
                time.sleep(0.2)
        after = s.create({"model_name": "qwen3-8b", "capacity": 2, "suffix": "post"})
        self.assertOk(after)


if __name__ == "__main__":
    h.main()
