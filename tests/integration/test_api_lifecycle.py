#!/usr/bin/env python3
"""The control-plane API as a client sees it: get, scale, update, stop and start, delete, events
and replicas, and the status each leads to."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from api_support import DEPLOYMENTS, ApiTestCase, dpath, stop_server  # noqa: E402


def tearDownModule():
    stop_server()


class LifecycleTest(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ws, _, cls.key = cls.make_workspace("lifecycle-tests")

    def req(self, method, path, body=None):
        return self.server.request(method, path, body=body, key=self.key)

    def wait(self, deployed_model, predicate, timeout=20.0):
        return self.server.wait_for(deployed_model, predicate, timeout=timeout, key=self.key)

    def test_get(self):
        created = self.create_ok({"model_name": "qwen3-8b", "capacity": 2, "suffix": "get"},
                                 key=self.key)
        out = self.assertOk(self.req("GET", dpath(created["deployed_model"])))
        for field in ("deployed_model", "name", "gmt_create", "model_name", "base_model",
                      "base_capacity", "capacity", "workspace_id", "charge_type", "creator",
                      "plan", "model_unit_spec"):
            self.assertEqual(out[field], created[field], field)
        self.assertIn(out["status"], ("PENDING", "RUNNING"))
        r = self.wait(created["deployed_model"], lambda r: r.output["status"] == "RUNNING")
        self.assertEqual((r.output["status"], r.output["ready_capacity"]), ("RUNNING", 2))
        self.assertError(self.req("GET", dpath("qwen3-8b-00000000")), 404, "NotFound",
                         message="Model: qwen3-8b-00000000 not found!")
        # A trailing slash names the same resource.
        self.assertOk(self.req("GET", dpath(created["deployed_model"]) + "/"))

    def test_gmt_modified_follows_status_changes(self):
        """docs/api.md: "gmt_modified changes with every user write and status change"; the
        seed's get example shows a RUNNING deployment modified after its creation."""
        created = self.create_ok({"model_name": "qwen3-8b", "capacity": 2, "suffix": "gmt"},
                                 key=self.key)
        self.assertEqual(created["gmt_modified"], created["gmt_create"])
        id_ = created["deployed_model"]
        running = self.server.wait_running(id_, key=self.key).output
        self.assertEqual(running["status"], "RUNNING")
        self.assertGreater(running["gmt_modified"], running["gmt_create"],
                           "PENDING -> RUNNING did not update gmt_modified: %s" % running)
        scaled = self.assertOk(self.req("PUT", dpath(id_, "scale"), {"capacity": 4}))
        self.assertGreaterEqual(scaled["gmt_modified"], running["gmt_modified"])
        done = self.server.wait_running(id_, key=self.key).output
        self.assertGreater(done["gmt_modified"], scaled["gmt_modified"],
                           "UPDATING -> RUNNING did not update gmt_modified: %s" % done)

    def test_scale_up_and_down(self):
        d = self.running({"model_name": "qwen3-8b", "capacity": 2, "suffix": "scale"},
                         key=self.key)
        id_ = d["deployed_model"]
        # The Python SDK's body carries the id too.
        out = self.assertOk(self.req("PUT", dpath(id_, "scale"),
                                     {"deployed_model": id_, "capacity": 4}))
        self.assertEqual(out["deployed_model"], id_)
        self.assertEqual(out["status"], "UPDATING")
        self.assertEqual((out["capacity"], out["ready_capacity"]), (4, 2))
        self.assertGreaterEqual(out["gmt_modified"], d["gmt_modified"])
        r = self.server.wait_running(id_, key=self.key)
        self.assertEqual((r.output["status"], r.output["capacity"], r.output["ready_capacity"]),
                         ("RUNNING", 4, 4))
        # Down.
        out = self.assertOk(self.req("PUT", dpath(id_, "scale"), {"capacity": 2}))
        self.assertEqual((out["status"], out["capacity"]), ("UPDATING", 2))
        r = self.server.wait_running(id_, key=self.key)
        self.assertEqual((r.output["status"], r.output["capacity"], r.output["ready_capacity"]),
                         ("RUNNING", 2, 2))
        # Bad capacities, wrong fields, unknown deployment.
        self.assertError(self.req("PUT", dpath(id_, "scale"), {"capacity": 3}), 400,
                         "InvalidParameter",
                         message="Invalid capacity (3), capacity must be larger than or equal "
                                 "to 0 and multiples of 2 and less than 1000!")
        self.assertError(self.req("PUT", dpath(id_, "scale"), {"capacity": 1000}), 400,
                         "InvalidParameter", contains="Invalid capacity (1000)")
        self.assertError(self.req("PUT", dpath(id_, "scale"), {}), 400, "InvalidParameter",
                         contains="capacity")
        self.assertError(self.req("PUT", dpath(id_, "scale"),
                                  {"ptu_capacity": {"input_tpm": 10000}}), 400,
                         "InvalidParameter", contains="ptu_capacity")
        self.assertError(self.req("PUT", dpath("nope-1", "scale"), {"capacity": 2}), 404,
                         "NotFound", message="Model: nope-1 not found!")
        # Failed attempts changed nothing.
        r = self.req("GET", dpath(id_))
        self.assertEqual((r.output["status"], r.output["capacity"]), ("RUNNING", 2))

    def test_scale_ptu_and_overflow_strategy(self):
        d = self.create_ok({"model_name": "qwen-flash-2025-07-28", "plan": "ptu",
                            "suffix": "ptu"}, key=self.key)
        id_ = d["deployed_model"]
        self.server.wait_running(id_, key=self.key)
        out = self.assertOk(self.req("PUT", dpath(id_, "scale"),
                                     {"ptu_capacity": {"input_tpm": 20000, "output_tpm": 2000}}))
        self.assertEqual(out["ptu_capacity"], {"input_tpm": 20000, "output_tpm": 2000})
        self.assertError(self.req("PUT", dpath(id_, "scale"), {"capacity": 2}), 400,
                         "InvalidParameter", contains="ptu_capacity")
        out = self.assertOk(self.req("PUT", dpath(id_, "update-overflowstrategy"),
                                     {"overflow_strategy": "disable"}))
        self.assertEqual(out["overflow_strategy"], "disable")
        self.assertEqual(self.req("GET", dpath(id_)).output["overflow_strategy"], "disable")
        self.assertError(self.req("PUT", dpath(id_, "update-overflowstrategy"),
                                  {"overflow_strategy": "maybe"}), 400, "InvalidParameter")

    def test_update_limits(self):
        d = self.running({"model_name": "qwen3-8b", "capacity": 2, "suffix": "upd"},
                         key=self.key)
        id_ = d["deployed_model"]
        out = self.assertOk(self.req("PUT", dpath(id_, "update"),
                                     {"rpm_limit": 100, "tpm_limit": 20000}))
        self.assertEqual((out["rpm_limit"], out["tpm_limit"]), (100, 20000))
        out = self.assertOk(self.req("PUT", dpath(id_, "update"), {"rpm_limit": 50}))
        self.assertEqual((out["rpm_limit"], out["tpm_limit"]), (50, 20000))
        got = self.assertOk(self.req("GET", dpath(id_)))
        self.assertEqual((got["rpm_limit"], got["tpm_limit"]), (50, 20000))
        self.assertEqual(got["capacity"], 2)
        self.assertError(self.req("PUT", dpath(id_, "update"), {}), 400, "InvalidParameter",
                         contains="rpm_limit")
        self.assertError(self.req("PUT", dpath(id_, "update"), {"rpm_limit": -1}), 400,
                         "InvalidParameter", contains="rpm_limit")
        self.assertError(self.req("PUT", dpath(id_, "update"), {"tpm_limit": "many"}), 400,
                         "InvalidParameter", contains="tpm_limit")
        self.assertError(self.req("PUT", dpath("nope-2", "update"), {"rpm_limit": 1}), 404,
                         "NotFound", message="Model: nope-2 not found!")

    def test_stop_and_start(self):
        d = self.running({"model_name": "qwen3-8b", "capacity": 4, "suffix": "stop"},
                         key=self.key)
        id_ = d["deployed_model"]
        out = self.assertOk(self.req("PUT", dpath(id_, "stop")))
        self.assertEqual(out["status"], "STOPPED")
        r = self.wait(id_, lambda r: r.output["ready_capacity"] == 0)
        self.assertEqual((r.output["status"], r.output["ready_capacity"], r.output["capacity"]),
                         ("STOPPED", 0, 4))
        time.sleep(0.5)  # stays stopped: the reconciler does not bring it back
        r = self.req("GET", dpath(id_))
        self.assertEqual((r.output["status"], r.output["ready_capacity"]), ("STOPPED", 0))
        # Stopping again changes nothing.
        self.assertEqual(self.assertOk(self.req("PUT", dpath(id_, "stop")))["status"], "STOPPED")
        out = self.assertOk(self.req("PUT", dpath(id_, "start")))
        self.assertEqual((out["status"], out["ready_capacity"]), ("PENDING", 0))
        r = self.server.wait_running(id_, key=self.key)
        self.assertEqual((r.output["status"], r.output["ready_capacity"]), ("RUNNING", 4))
        # Starting a running deployment changes nothing.
        self.assertEqual(self.assertOk(self.req("PUT", dpath(id_, "start")))["status"],
                         "RUNNING")

    def test_delete_while_pending(self):
        d = self.create_ok({"model_name": "qwen3-8b", "capacity": 2, "suffix": "delp"},
                           key=self.key)
        id_ = d["deployed_model"]
        out = self.assertOk(self.req("DELETE", dpath(id_)))
        self.assertEqual((out["deployed_model"], out["status"]), (id_, "DELETING"))
        r = self.server.wait_gone(id_, key=self.key)
        self.assertError(r, 404, "NotFound", message="Model: %s not found!" % id_)
        self.assertError(self.req("DELETE", dpath(id_)), 404, "NotFound")
        # The record is gone but its history is kept, and readable (it used to be a 404).
        events = self.assertOk(self.req("GET", dpath(id_, "events")))["events"]
        self.assertEqual([e["type"] for e in events][0], "Created")
        self.assertEqual(events[-1]["type"], "Deleted")
        listed = self.assertOk(self.req("GET", DEPLOYMENTS + "?page_size=200"))
        self.assertNotIn(id_, [x["deployed_model"] for x in listed["deployments"]])
        # The name is free again.
        again = self.create_ok({"model_name": "qwen3-8b", "capacity": 2, "suffix": "delp"},
                               key=self.key)
        self.assertEqual(again["deployed_model"], id_)
        self.assertEqual(again["status"], "PENDING")
        events = self.assertOk(self.req("GET", dpath(id_, "events")))["events"]
        self.assertEqual([e["type"] for e in events][:1], ["Created"])
        self.assertNotIn("Deleted", [e["type"] for e in events])

    def test_delete_while_updating(self):
        d = self.running({"model_name": "qwen3-8b", "capacity": 2, "suffix": "delu"},
                         key=self.key)
        id_ = d["deployed_model"]
        self.assertEqual(self.assertOk(self.req("PUT", dpath(id_, "scale"),
                                                {"capacity": 6}))["status"], "UPDATING")
        out = self.assertOk(self.req("DELETE", dpath(id_)))
        self.assertEqual(out["status"], "DELETING")
        # While DELETING only delete is allowed; once gone everything is NotFound.
        r = self.req("PUT", dpath(id_, "scale"), {"capacity": 2})
        if r.status == 400:
            self.assertError(r, 400, "UnsupportedOperation", contains="DELETING")
        else:
            self.assertError(r, 404, "NotFound")
        r = self.server.wait_gone(id_, key=self.key)
        self.assertError(r, 404, "NotFound", message="Model: %s not found!" % id_)

    def test_events(self):
        d = self.running({"model_name": "qwen3-8b", "capacity": 2, "suffix": "ev"},
                         key=self.key)
        id_ = d["deployed_model"]
        self.assertOk(self.req("PUT", dpath(id_, "scale"), {"capacity": 4}))
        self.server.wait_running(id_, key=self.key)
        out = self.assertOk(self.req("GET", dpath(id_, "events")))
        self.assertEqual(out["deployed_model"], id_)
        events = out["events"]
        types = [e["type"] for e in events]
        self.assertEqual(types[0], "Created", types)
        self.assertIn("StatusChanged", types)
        self.assertIn("Scaled", types)
        self.assertLess(types.index("Created"), types.index("Scaled"))
        times = [e["time"] for e in events]
        self.assertEqual(times, sorted(times), "events oldest first")
        for e in events:
            for field in ("time", "type", "message", "status", "capacity", "ready_capacity",
                          "actor"):
                self.assertIn(field, e, e)
        self.assertEqual(events[0]["status"], "PENDING")
        last = events[-1]
        self.assertEqual((last["type"], last["status"], last["capacity"]),
                         ("StatusChanged", "RUNNING", 4))
        scaled = [e for e in events if e["type"] == "Scaled"]
        self.assertEqual(scaled[-1]["capacity"], 4)
        self.assertError(self.req("GET", dpath("nope-3", "events")), 404, "NotFound",
                         message="Model: nope-3 not found!")

    def test_replicas(self):
        d = self.running({"model_name": "qwen3-8b", "capacity": 4, "suffix": "rep"},
                         key=self.key)
        id_ = d["deployed_model"]
        out = self.assertOk(self.req("GET", dpath(id_, "replicas")))
        self.assertEqual(out["deployed_model"], id_)
        replicas = out["replicas"]
        self.assertEqual(len(replicas), 2)  # capacity 4 / 2 units per replica
        for r in replicas:
            self.assertEqual((r["state"], r["units"], r["restarts"]), ("ready", 2, 0), r)
            for field in ("replica_id", "port", "pid", "last_error", "gmt_started"):
                self.assertIn(field, r)
        self.assertOk(self.req("PUT", dpath(id_, "scale"), {"capacity": 2}))
        self.server.wait_running(id_, key=self.key)
        self.assertEqual(len(self.assertOk(self.req("GET", dpath(id_, "replicas")))["replicas"]), 1)
        self.assertError(self.req("GET", dpath("nope-4", "replicas")), 404, "NotFound")
        # The sim runtime keeps no engine log: a clear refusal, after the usual checks.
        log = dpath(id_, "replicas/%s/log" % replicas[0]["replica_id"])
        self.assertError(self.req("GET", log), 400, "UnsupportedOperation",
                         message="the sim runtime keeps no engine log")
        self.assertError(self.req("GET", dpath(id_, "replicas/nope/log")), 404, "NotFound")
        self.assertError(self.req("GET", log + "?tail_bytes=0"), 400, "InvalidParameter")


# ---------------------------------------------------------------------------------------------

if __name__ == "__main__":
    h.main()
