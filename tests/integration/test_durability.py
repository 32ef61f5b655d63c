#!/usr/bin/env python3
"""Durability and concurrency of a real `berth serve`.

- kill -9 in the middle of a burst of concurrent creates: every acknowledged (200) create is
  there after a restart, complete; nothing half-written is listed; the reconciler finishes the
  work in flight (everything reaches RUNNING).
- Acknowledged scale / update / stop / delete survive a kill -9 right after their 200.
- Concurrent scales of one deployment: no lost update (every 200 is one Scaled event, and the
  final capacity is the last event's).
- SIGTERM is a clean shutdown (exit code 0 within seconds) that loses nothing.
"""

import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

DEPLOYMENTS = "/api/v1/deployments"
BURST = 200
THREADS = 16
KILL_AFTER_ACKS = 50
# Fields fixed at create time: after a crash they must read back exactly as acknowledged.
IMMUTABLE = ("deployed_model", "name", "gmt_create", "model_name", "base_model",
             "base_capacity", "capacity", "workspace_id", "charge_type", "creator", "plan",
             "model_unit_spec")


def dpath(deployed_model, action=""):
    return DEPLOYMENTS + "/" + deployed_model + ("/" + action if action else "")


class DurabilityTestCase(h.BerthTestCase):
    shared_server = False

    def list_all(self, server):
        r = server.get(DEPLOYMENTS + "?page_size=200")
        out = self.assertOk(r)
        self.assertLessEqual(out["total"], 200, "test expects one page")
        self.assertEqual(out["total"], len(out["deployments"]))
        return out

    def wait_all_running(self, server, expected_ids, timeout=60.0):
        deadline = time.monotonic() + timeout
        while True:
            out = self.list_all(server)
            not_yet = [d for d in out["deployments"]
                       if d["status"] != "RUNNING" or d["ready_capacity"] != d["capacity"]]
            if not not_yet and expected_ids <= {d["deployed_model"] for d in out["deployments"]}:
                return out
            if time.monotonic() > deadline:
                self.fail("not all RUNNING after %.0fs: %d left, e.g. %s"
                          % (timeout, len(not_yet), not_yet[:3]))
            time.sleep(0.2)


class KillDuringCreateBurstTest(DurabilityTestCase):
    def test_kill9_during_create_burst_loses_no_acknowledged_create(self):
        server = self.new_server(sim_ready_ms=100)
        next_index = [0]
        lock = threading.Condition()
        acked = {}        # suffix -> acknowledged output
        answered = {}     # suffix -> (status, body) of non-200 answers
        failed = {}       # suffix -> exception text (connection died: not acknowledged)
        ack_times = []
        stop_sending = threading.Event()

        def worker():
            while True:
                with lock:
                    n = next_index[0]
                    if n >= BURST:
                        return
                    next_index[0] += 1
                suffix = "k%d" % n
                if stop_sending.is_set():
                    failed[suffix] = "not sent (server killed)"
                    continue
                try:
                    r = server.create({"model_name": "qwen3-8b", "capacity": 2,
                                       "suffix": suffix, "name": "burst-" + suffix},
                                      timeout=20)
                except (OSError, h.http.client.HTTPException) as e:
                    with lock:
                        failed[suffix] = repr(e)
                    continue
                with lock:
                    if r.status == 200:
                        acked[suffix] = r.output
                        ack_times.append(time.monotonic())
                        lock.notify_all()
                    else:
                        answered[suffix] = (r.status, r.text)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(THREADS)]
        started = time.monotonic()
        for t in threads:
            t.start()
        with lock:
            lock.wait_for(lambda: len(acked) >= KILL_AFTER_ACKS or next_index[0] >= BURST
                          and all(not t.is_alive() for t in threads), timeout=60)
            acked_before_kill = len(acked)
        server.kill9()
        killed_at = time.monotonic()
        stop_sending.set()
        for t in threads:
            t.join(timeout=30)
            self.assertFalse(t.is_alive(), "a client thread hung")
        elapsed = killed_at - started
        print("\nburst: %d creates acknowledged in %.3fs before kill -9 (%.0f creates/s); "
              "%d acknowledged in total, %d lost with the connection, %d other answers"
              % (acked_before_kill, elapsed, acked_before_kill / elapsed if elapsed else 0,
                 len(acked), len(failed), len(answered)), file=sys.stderr)
        if len(acked) == BURST:
            print("warning: the burst finished before the kill", file=sys.stderr)
        self.assertGreaterEqual(len(acked), KILL_AFTER_ACKS)
        self.assertEqual(answered, {}, "only 200s or dropped connections are expected")

        server.start()
        # Every acknowledged create is there, exactly as acknowledged.
        for suffix, out in sorted(acked.items()):
            with self.subTest(suffix=suffix):
                r = server.get_deployment(out["deployed_model"])
                got = self.assertOk(r)
                self.assertDeploymentShape(got)
                for field in IMMUTABLE:
                    self.assertEqual(got[field], out[field], field)
                self.assertEqual(got["name"], "burst-" + suffix)
        # Every listed deployment is complete and valid; none is half-written.
        listed = self.list_all(server)
        self.assertGreaterEqual(listed["total"], len(acked))
        prefix = next(iter(acked.values()))["deployed_model"].rsplit("-", 1)[0]
        for d in listed["deployments"]:
            with self.subTest(deployed_model=d["deployed_model"]):
                self.assertDeploymentShape(d)
                m = re.fullmatch(re.escape(prefix) + r"-(k\d+)", d["deployed_model"])
                self.assertIsNotNone(m, d)
                self.assertEqual((d["model_name"], d["plan"], d["model_unit_spec"],
                                  d["base_capacity"], d["capacity"], d["name"]),
                                 ("qwen3-8b", "mu", "MU1", 2, 2, "burst-" + m.group(1)))
                events = self.assertOk(server.events(d["deployed_model"]))["events"]
                self.assertTrue(events, d)
                self.assertEqual(events[0]["type"], "Created", events)
        # The reconciler finishes what was in flight.
        done = self.wait_all_running(server, {o["deployed_model"] for o in acked.values()},
                                     timeout=60)
        self.assertGreaterEqual(done["total"], len(acked))


class KillAfterWritesTest(DurabilityTestCase):
    def test_acknowledged_scale_update_stop_delete_survive_kill9(self):
        server = self.new_server(sim_ready_ms=100)
        ids = {}
        for role in ("scale", "update", "stop", "delete", "keep"):
            r = server.create({"model_name": "qwen3-8b", "capacity": 2, "suffix": role})
            ids[role] = self.assertOk(r)["deployed_model"]
        for id_ in ids.values():
            self.assertEqual(server.wait_running(id_).output["status"], "RUNNING")
        keep_before = server.get_deployment(ids["keep"]).output

        scaled = self.assertOk(server.put(dpath(ids["scale"], "scale"), {"capacity": 6}))
        updated = self.assertOk(server.put(dpath(ids["update"], "update"),
                                           {"rpm_limit": 7, "tpm_limit": 7000}))
        stopped = self.assertOk(server.put(dpath(ids["stop"], "stop")))
        deleted = self.assertOk(server.delete(dpath(ids["delete"])))
        server.kill9()
        self.assertEqual((scaled["status"], scaled["capacity"]), ("UPDATING", 6))
        self.assertEqual((updated["rpm_limit"], updated["tpm_limit"]), (7, 7000))
        self.assertEqual(stopped["status"], "STOPPED")
        self.assertEqual(deleted["status"], "DELETING")

        server.start()
        got = self.assertOk(server.get_deployment(ids["scale"]))
        self.assertEqual(got["capacity"], 6)
        self.assertIn(got["status"], ("UPDATING", "RUNNING"))
        got = self.assertOk(server.get_deployment(ids["update"]))
        self.assertEqual((got["rpm_limit"], got["tpm_limit"]), (7, 7000))
        got = self.assertOk(server.get_deployment(ids["stop"]))
        self.assertEqual(got["status"], "STOPPED")
        r = server.get_deployment(ids["delete"])
        if r.status == 200:  # still being deleted, never back to life
            self.assertEqual(r.output["status"], "DELETING", r)
        r = server.wait_gone(ids["delete"])
        self.assertError(r, 404, "NotFound", message="Model: %s not found!" % ids["delete"])
        # And everything settles as acknowledged.
        r = server.wait_running(ids["scale"])
        self.assertEqual((r.output["status"], r.output["ready_capacity"]), ("RUNNING", 6))
        r = server.wait_running(ids["update"])
        self.assertEqual(r.output["status"], "RUNNING")
        r = server.wait_running(ids["keep"])
        self.assertEqual(r.output["status"], "RUNNING")
        for field in IMMUTABLE:
            self.assertEqual(r.output[field], keep_before[field], field)
        time.sleep(0.3)
        r = server.get_deployment(ids["stop"])
        self.assertEqual((r.output["status"], r.output["ready_capacity"]), ("STOPPED", 0))
        events = self.assertOk(server.events(ids["scale"]))["events"]
        self.assertIn("Scaled", [e["type"] for e in events])
        listed = self.list_all(server)
        self.assertEqual({d["deployed_model"] for d in listed["deployments"]},
                         {ids[r] for r in ("scale", "update", "stop", "keep")})


class ConcurrentScaleTest(DurabilityTestCase):
    def test_concurrent_scales_lose_no_update(self):
        server = self.new_server(sim_ready_ms=100)
        id_ = self.assertOk(server.create({"model_name": "qwen3-8b", "capacity": 2,
                                           "suffix": "race"}))["deployed_model"]
        self.assertEqual(server.wait_running(id_).output["status"], "RUNNING")
        n = 20
        barrier = threading.Barrier(n)
        results = [None] * n

        def scale(i):
            body = {"deployed_model": id_, "capacity": 2 * (i + 2)}  # 4, 6, ..., 42
            barrier.wait(timeout=10)
            try:
                results[i] = server.put(dpath(id_, "scale"), body, timeout=20)
            except (OSError, h.http.client.HTTPException) as e:
                results[i] = e

        threads = [threading.Thread(target=scale, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        ok_capacities = []
        conflicts = 0
        for i, r in enumerate(results):
            with self.subTest(i=i):
                self.assertIsInstance(r, h.Response, r)
                if r.status == 409:
                    self.assertError(r, 409, "Conflict")
                    conflicts += 1
                    continue
                out = self.assertOk(r)
                self.assertEqual(out["capacity"], 2 * (i + 2))
                self.assertEqual(out["deployed_model"], id_)
                ok_capacities.append(out["capacity"])
        print("\nconcurrent scales: %d x 200, %d x 409" % (len(ok_capacities), conflicts),
              file=sys.stderr)
        self.assertTrue(ok_capacities, "no scale succeeded")

        events = self.assertOk(server.events(id_))["events"]
        scaled = [e for e in events if e["type"] == "Scaled"]
        self.assertEqual(len(scaled), len(ok_capacities), "one Scaled event per 200")
        self.assertEqual(sorted(e["capacity"] for e in scaled), sorted(ok_capacities))
        final = server.get_deployment(id_).output
        self.assertEqual(final["capacity"], scaled[-1]["capacity"], "the last write wins")
        r = server.wait_running(id_, timeout=30)
        self.assertEqual((r.output["status"], r.output["capacity"], r.output["ready_capacity"]),
                         ("RUNNING", final["capacity"], final["capacity"]))
        # The outcome survives a restart.
        self.assertEqual(server.terminate(), 0)
        server.start()
        self.assertEqual(server.get_deployment(id_).output["capacity"], final["capacity"])


class ShutdownTest(DurabilityTestCase):
    def test_sigterm_is_a_clean_shutdown(self):
        server = self.new_server(sim_ready_ms=100)
        id_ = self.assertOk(server.create({"model_name": "qwen3-8b", "capacity": 2}))[
            "deployed_model"]
        self.assertEqual(server.wait_running(id_).output["status"], "RUNNING")
        self.assertOk(server.put(dpath(id_, "scale"), {"capacity": 4}))
        started = time.monotonic()
        code = server.terminate(timeout=10)
        took = time.monotonic() - started
        print("\nSIGTERM: exit %s after %.2fs" % (code, took), file=sys.stderr)
        self.assertEqual(code, 0, server.log_tail())
        self.assertLess(took, 5.0)
        # Nothing lost; the port is free again for a new process.
        server.start()
        got = self.assertOk(server.get_deployment(id_))
        self.assertEqual(got["capacity"], 4)
        r = server.wait_running(id_)
        self.assertEqual((r.output["status"], r.output["ready_capacity"]), ("RUNNING", 4))

    def test_sigterm_with_requests_in_flight(self):
        """Requests racing the shutdown either complete or fail at the connection; the
        process still exits 0 promptly, and every acknowledged create is there afterwards."""
        server = self.new_server(sim_ready_ms=100)
        acked = []
        stop = threading.Event()

        def client(k):
            i = 0
            while not stop.is_set():
                try:
                    r = server.create({"model_name": "qwen3-8b", "capacity": 2,
                                       "suffix": "t%dx%d" % (k, i)}, timeout=10)
                except (OSError, h.http.client.HTTPException):
                    return
                if r.status == 200:
                    acked.append(r.output["deployed_model"])
                i += 1

        threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        started = time.monotonic()
        code = server.terminate(timeout=15)
        took = time.monotonic() - started
        stop.set()
        for t in threads:
            t.join(timeout=15)
        print("\nSIGTERM under load: exit %s after %.2fs, %d creates acknowledged"
              % (code, took, len(acked)), file=sys.stderr)
        self.assertEqual(code, 0, server.log_tail())
        self.assertLess(took, 7.0)
        server.start()
        for id_ in acked:
            self.assertEqual(server.get_deployment(id_).status, 200, id_)


if __name__ == "__main__":
    h.main()
