#!/usr/bin/env python3
"""The process runtime with real engine processes (`berth serve --runtime process`).

- create → one `berth engine-sim` process per replica, each answering /health and chat;
  kill -9 one → it is restarted, ready_capacity dips and recovers; scale down → the surplus
  process is gone; delete → no process, no port, no record left.
- kill -9 `berth serve` and start it again → the same engine pids keep serving (adopted).
- a broken engine template → FAILED with a fail_reason naming the cause.
- no free units → PENDING (with a WaitingForCapacity event), then FAILED after
  --placement-timeout; an unplaceable scale-up → UPDATING_FAILED.
- lora deployments of one base share one engine: each adapter is loaded into it (the engine's
  /v1/models lists it), unloaded on delete, and the engine is gone after the last delete.
- ptu replicas follow the engines config's ptu_tpm_per_replica of the model.

Every engine a test started is killed when it ends (engines outlive berth by design).
"""

import atexit
import http.client
import json
import os
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

DEPLOYMENTS = "/api/v1/deployments"
_DATA_DIRS = []  # every data dir used, so leftover engines are killed even on a crash


def dpath(deployed_model, action=""):
    return DEPLOYMENTS + "/" + deployed_model + ("/" + action if action else "")


def process_alive(pid):
    """Running and not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def parent_pid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def engine_pids(served_model_name, parent=None):
    """Pids of engine-sim processes serving this model, found through /proc; with `parent`,
    only that berth's children (a name every deployment shares, such as a lora pool's base
    model, is also served by the engines of tests running at the same time, e.g. the
    Kubernetes test's pool pods)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            args = cmdline(int(entry))
            if (b"engine-sim" in args and served_model_name.encode() in args
                    and process_alive(int(entry))
                    and (parent is None or parent_pid(int(entry)) == parent)):
                pids.append(int(entry))
    return sorted(pids)


def engine_get(port, path, body=None, timeout=3.0):
    """(status, parsed JSON or None) from an engine, or (None, None) if it does not answer."""
    conn = http.client.HTTPConnection(h.HOST, port, timeout=timeout)
    try:
        if body is None:
            conn.request("GET", path)
        else:
            conn.request("POST", path, body=json.dumps(body),
                         headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, None
    except OSError:
        return None, None
    finally:
        conn.close()


@atexit.register
def _kill_all_engines():
    for data_dir in _DATA_DIRS:
        h.kill_engines(data_dir)


wait_until = h.wait_until


class ProcessRuntimeTestCase(h.BerthTestCase):
    shared_server = False

    def process_server(self, *extra):
        server = self.new_server(runtime="process", extra_args=list(extra))
        _DATA_DIRS.append(server.data_dir)

        def stop_everything():
            server.stop()  # first berth, or it would restart what we kill
            h.kill_engines(server.data_dir)

        self.addCleanup(stop_everything)
        return server

    def write_engines(self, config):
        fd, path = tempfile.mkstemp(prefix="berth-engines-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(config, f)
        self.addCleanup(os.remove, path)
        return path

    def replicas(self, server, deployed_model):
        return self.assertOk(server.get(dpath(deployed_model, "replicas")))["replicas"]

    def create_running(self, server, body, timeout=30.0):
        out = self.assertOk(server.create(body))
        r = server.wait_running(out["deployed_model"], timeout=timeout)
        self.assertEqual(r.output["status"], "RUNNING", r)
        return r.output

    def assertServing(self, replicas, deployed_model):
        for r in replicas:
            self.assertEqual(r["state"], "ready", r)
            self.assertTrue(process_alive(r["pid"]), r)
            self.assertEqual(engine_get(r["port"], "/health")[0], 200, r)
        # The engine is a real OpenAI-compatible server for the deployed model.
        status, body = engine_get(replicas[0]["port"], "/v1/chat/completions", {
            "model": deployed_model, "max_tokens": 3,
            "messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["usage"]["completion_tokens"], 3, body)


class EngineProcessLifecycleTest(ProcessRuntimeTestCase):
    def check_log_tail(self, server, dm, replica):
        """GET .../replicas/{id}/log: the engine's own output, bounded, for its workspace only."""
        path = dpath(dm, "replicas/%s/log" % replica["replica_id"])
        line = "engine-sim listening on 127.0.0.1:%d" % replica["port"]
        out = self.assertOk(server.get(path))
        self.assertEqual((out["deployed_model"], out["replica_id"]), (dm, replica["replica_id"]))
        self.assertIn(line, out["log"])
        self.assertFalse(out["truncated"], out)
        short = self.assertOk(server.get(path + "?tail_bytes=8"))
        self.assertTrue(short["truncated"], short)
        self.assertLessEqual(len(short["log"]), 8)
        for bad in ("0", "262145", "x"):
            self.assertError(server.get(path + "?tail_bytes=" + bad), 400, "InvalidParameter")
        ws = self.assertOk(server.post("/api/v1/admin/workspaces", {"name": "other"}))
        other = self.assertOk(server.post("/api/v1/admin/keys",
                                          {"workspace_id": ws["workspace_id"]}))["api_key"]
        self.assertError(server.get(path, key=other), 404, "NotFound")
        self.assertError(server.get(dpath(dm, "replicas/nope/log")), 404, "NotFound")


    def test_create_kill_scale_delete(self):
        server = self.process_server()
        d = self.create_running(server, {"model_name": "qwen3-8b", "capacity": 4})
        dm = d["deployed_model"]
        replicas = self.replicas(server, dm)
        self.assertEqual(len(replicas), 2)  # MU1 x 2: capacity 4 is two replicas
        self.assertEqual(engine_pids(dm), sorted(r["pid"] for r in replicas))
        self.assertServing(replicas, dm)
        self.check_log_tail(server, dm, replicas[0])

        # kill -9 one engine: ready_capacity dips, the replica is restarted and recovers.
        victim = replicas[1]
        os.kill(victim["pid"], signal.SIGKILL)
        dipped = server.wait_for(dm, lambda r: r.output["ready_capacity"] < 4, timeout=10,
                                 interval=0.02)
        self.assertEqual(dipped.output["ready_capacity"], 2, dipped)
        self.assertEqual(dipped.output["status"], "RUNNING", dipped)
        back = server.wait_running(dm, timeout=20)
        self.assertEqual(back.output["ready_capacity"], 4, back)
        after = {r["replica_id"]: r for r in self.replicas(server, dm)}
        self.assertEqual(set(after), {r["replica_id"] for r in replicas})
        self.assertEqual(after[victim["replica_id"]]["restarts"], 1)
        self.assertNotEqual(after[victim["replica_id"]]["pid"], victim["pid"])
        self.assertIn("killed by signal 9", after[victim["replica_id"]]["last_error"])
        self.assertFalse(process_alive(victim["pid"]))
        self.assertServing(list(after.values()), dm)
        events = self.assertOk(server.events(dm))
        self.assertIn("ready_capacity 2/4", json.dumps(events))

        # Scale down: the surplus engine has nothing in flight, so it is gone at once (not after
        # the 5 s drain grace), with its port.
        kept_before = self.replicas(server, dm)
        self.assertOk(server.put(dpath(dm, "scale"), {"capacity": 2}))
        scaled = server.wait_running(dm, timeout=20)
        self.assertEqual(scaled.output["ready_capacity"], 2, scaled)
        kept = self.replicas(server, dm)
        self.assertEqual(len(kept), 1)
        gone = [r for r in kept_before if r["replica_id"] != kept[0]["replica_id"]][0]
        self.assertTrue(wait_until(lambda: not process_alive(gone["pid"]), timeout=3),
                        "surplus engine %d still runs" % gone["pid"])
        self.assertEqual(engine_get(gone["port"], "/health"), (None, None))
        self.assertEqual(engine_pids(dm), [kept[0]["pid"]])

        # Delete: the record goes, and the idle engine with it (not seconds later).
        self.assertOk(server.delete(dpath(dm)))
        self.assertEqual(server.wait_gone(dm, timeout=20).status, 404)
        self.assertTrue(wait_until(lambda: not engine_pids(dm), timeout=3),
                        "engines left: %s" % engine_pids(dm))
        self.assertEqual(engine_get(kept[0]["port"], "/health"), (None, None))
        state = os.path.join(server.data_dir, "replicas", "state.json")

        def nothing_recorded():
            with open(state) as f:
                return json.load(f)["replicas"] == []

        self.assertTrue(wait_until(nothing_recorded, timeout=5), "records left in " + state)
        log = os.path.join(server.data_dir, "replicas", kept[0]["replica_id"] + ".log")
        with open(log) as f:
            self.assertIn("engine-sim listening on 127.0.0.1:%d" % kept[0]["port"], f.read())


class AdoptionTest(ProcessRuntimeTestCase):
    def test_kill9_berth_and_restart_keeps_the_same_engines(self):
        server = self.process_server()
        d = self.create_running(server, {"model_name": "qwen3-8b", "capacity": 4})
        dm = d["deployed_model"]
        before = self.replicas(server, dm)

        server.kill9()
        for r in before:  # the engines do not care that berth died
            self.assertTrue(process_alive(r["pid"]), r)
            self.assertEqual(engine_get(r["port"], "/health")[0], 200, r)

        server.start()
        r = server.get_deployment(dm)
        self.assertEqual(r.output["status"], "RUNNING", r)
        self.assertEqual(server.wait_running(dm).output["ready_capacity"], 4)
        after = self.replicas(server, dm)
        self.assertEqual([(a["replica_id"], a["pid"], a["port"], a["restarts"]) for a in after],
                         [(b["replica_id"], b["pid"], b["port"], b["restarts"]) for b in before])
        self.assertServing(after, dm)
        self.assertEqual(engine_pids(dm), sorted(a["pid"] for a in after))

        # Adopted engines are stopped like any other when their deployment goes.
        server.kill9()
        server.start()
        self.assertOk(server.delete(dpath(dm)))
        self.assertTrue(wait_until(lambda: not engine_pids(dm), timeout=20))


class ShutdownTest(ProcessRuntimeTestCase):
    def test_an_engine_draining_when_berth_stops_does_not_run_on(self):
        # A slow engine, so a request is still in flight when its deployment is deleted.
        engines = self.write_engines({"engines": {"*": {"command": [
            h.berth_binary(), "engine-sim", "--port", "{port}",
            "--served-model-name", "{served_model_name}", "--startup-ms", "100",
            "--itl-ms", "500"]}}})
        server = self.process_server("--engines", engines)
        dm = self.create_running(server, {"model_name": "qwen3-8b", "capacity": 2})[
            "deployed_model"]
        pids = engine_pids(dm)
        self.assertEqual(len(pids), 1)
        chat = threading.Thread(target=lambda: server.post(
            "/compatible-mode/v1/chat/completions", {
                "model": dm, "max_tokens": 60, "messages": [{"role": "user", "content": "hi"}]},
            timeout=60), daemon=True)
        chat.start()
        time.sleep(1.0)  # the engine is generating

        self.assertOk(server.delete(dpath(dm)))
        self.assertEqual(server.wait_gone(dm, timeout=20).status, 404)
        self.assertTrue(process_alive(pids[0]))  # draining: its request still runs
        self.assertEqual(server.terminate(), 0)  # berth stops within the drain grace
        # The engine is in no deployment any more: berth ended it before exiting.
        self.assertFalse(process_alive(pids[0]), "engine %d outlives berth" % pids[0])
        chat.join(timeout=10)


class FailureTest(ProcessRuntimeTestCase):
    def test_broken_engine_template_fails_with_a_clear_reason(self):
        engines = self.write_engines({"engines": {
            "qwen3-8b": {"command": ["/nonexistent/vllm", "serve", "--port", "{port}"]},
            "qwen3-4b": {"command": ["sh", "-c",
                                     "echo 'error: no model at /models/qwen3-4b' >&2; exit 3"]},
        }})
        server = self.process_server("--engines", engines)
        missing = self.assertOk(server.create({"model_name": "qwen3-8b", "capacity": 2}))
        crashing = self.assertOk(server.create({"model_name": "qwen3-4b", "capacity": 2}))
        r = server.wait_status(missing["deployed_model"], "FAILED", timeout=30)
        self.assertEqual(r.output["status"], "FAILED", r)
        self.assertIn("cannot run /nonexistent/vllm: No such file or directory",
                      r.output["fail_reason"])
        self.assertIn("gave up after 3 tries", r.output["fail_reason"])
        r = server.wait_status(crashing["deployed_model"], "FAILED", timeout=30)
        self.assertEqual(r.output["status"], "FAILED", r)
        self.assertIn("engine exited with code 3 before becoming healthy: "
                      "error: no model at /models/qwen3-4b", r.output["fail_reason"])
        self.assertEqual(self.replicas(server, crashing["deployed_model"]), [])

    def test_no_room_fails_after_the_placement_timeout(self):
        server = self.process_server("--units", "MU1=4", "--placement-timeout", "2s")
        first = self.create_running(server, {"model_name": "qwen3-8b", "capacity": 4})
        waiting = self.assertOk(server.create({"model_name": "qwen3-4b", "capacity": 2}))
        time.sleep(1.0)
        r = server.get_deployment(waiting["deployed_model"])
        self.assertEqual(r.output["status"], "PENDING", r)
        types = [e["type"] for e in self.assertOk(server.events(waiting["deployed_model"]))["events"]]
        self.assertIn("WaitingForCapacity", types)
        r = server.wait_status(waiting["deployed_model"], "FAILED", timeout=30)
        self.assertEqual(r.output["status"], "FAILED", r)
        self.assertEqual(r.output["fail_reason"],
                         "cannot place replica: no free MU1 units: need 2, free 0 of 4 for 2s")
        # A scale-up that cannot be placed ends UPDATING_FAILED; the old capacity keeps serving.
        dm = first["deployed_model"]
        self.assertOk(server.put(dpath(dm, "scale"), {"capacity": 6}))
        r = server.wait_status(dm, "UPDATING_FAILED", timeout=30)
        self.assertEqual(r.output["status"], "UPDATING_FAILED", r)
        self.assertEqual(r.output["ready_capacity"], 4, r)
        self.assertIn("no free MU1 units", r.output["fail_reason"])
        # A replica that can never fit fails at once.
        never = self.assertOk(server.create({"model_name": "qwen3-8b", "capacity": 2,
                                             "deploy_spec": "MU2", "suffix": "mu2"}))
        r = server.wait_status(never["deployed_model"], "FAILED", timeout=10)
        self.assertEqual(r.output["fail_reason"],
                         "cannot place replica: no MU2 units are configured (--units MU1=0-3)")


class SharedPoolAndSizingTest(ProcessRuntimeTestCase):
    def register_lora(self, server, model):
        self.assertOk(server.post("/api/v1/admin/models", {
            "model_name": model, "base_model": "qwen3-8b", "plans": ["lora"]}))
        return self.create_running(server, {"model_name": model, "plan": "lora", "capacity": 1})

    def test_lora_deployments_share_their_base_models_engine(self):
        server = self.process_server()
        a = self.register_lora(server, "qwen3-8b-ft-a")["deployed_model"]
        b = self.register_lora(server, "qwen3-8b-ft-b")["deployed_model"]
        ra, rb = self.replicas(server, a), self.replicas(server, b)
        self.assertEqual(len(ra), 1, ra)
        self.assertEqual((ra[0]["pid"], ra[0]["port"]), (rb[0]["pid"], rb[0]["port"]))
        self.assertEqual(ra[0]["pool"], "qwen3-8b")
        self.assertEqual(engine_pids("qwen3-8b", parent=server.proc.pid), [ra[0]["pid"]])
        port, pid = ra[0]["port"], ra[0]["pid"]
        status, models = engine_get(port, "/v1/models")
        self.assertEqual(status, 200, models)
        self.assertTrue({a, b} <= {m["id"] for m in models["data"]}, models)
        self.assertServing(ra, a)
        self.assertServing(rb, b)

        self.assertOk(server.delete(dpath(a)))
        server.wait_gone(a)
        self.assertTrue(wait_until(
            lambda: a not in {m["id"] for m in engine_get(port, "/v1/models")[1]["data"]}))
        self.assertTrue(process_alive(pid))
        self.assertServing(self.replicas(server, b), b)

        self.assertOk(server.delete(dpath(b)))
        server.wait_gone(b)
        self.assertTrue(wait_until(lambda: not process_alive(pid), timeout=20), pid)

    def test_ptu_replicas_follow_the_models_engine_throughput(self):
        engines = self.write_engines({"engines": {"qwen-flash*": {
            "command": [h.berth_binary(), "engine-sim", "--port", "{port}",
                        "--served-model-name", "{served_model_name}"],
            "ptu_tpm_per_replica": {"input": 20000, "output": 2000}}}})
        server = self.process_server("--engines", engines)
        out = self.create_running(server, {
            "model_name": "qwen-flash-2025-07-28", "plan": "ptu",
            "ptu_capacity": {"input_tpm": 50000, "output_tpm": 1000}})
        self.assertEqual(out["capacity"], 3, out)  # ceil(50000 / 20000) replicas
        self.assertEqual(len(self.replicas(server, out["deployed_model"])), 3)
        scaled = self.assertOk(server.put(dpath(out["deployed_model"], "scale"), {
            "ptu_capacity": {"input_tpm": 10000, "output_tpm": 3000}}))
        self.assertEqual(scaled["capacity"], 2, scaled)  # the output side needs two now


if __name__ == "__main__":
    h.main()
