#!/usr/bin/env python3
"""The whole control-plane API of a real `berth serve`, as a client sees it: HTTP statuses,
envelopes, codes, messages, lifecycle states, tenancy, auth, health and metrics."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

DEPLOYMENTS = "/api/v1/deployments"
MODELS = "/api/v1/deployments/models"


def dpath(deployed_model, action=""):
    return DEPLOYMENTS + "/" + deployed_model + ("/" + action if action else "")


class ApiTestCase(h.BerthTestCase):
    """One server for the whole file; each class works in its own workspace where listing or
    naming must not see other classes' deployments."""

    server = None

    @classmethod
    def setUpClass(cls):
        # One server shared by all classes of this file (started by the first one).
        if ApiTestCase.server is None:
            ApiTestCase.server = h.BerthServer().start()

    @classmethod
    def tearDownClass(cls):
        pass

    @classmethod
    def make_workspace(cls, name, admin=False):
        """A new workspace and a key for it: (workspace_id, key_id, secret)."""
        s = ApiTestCase.server
        r = s.post("/api/v1/admin/workspaces", {"name": name})
        assert r.status == 200, r
        ws = r.output["workspace_id"]
        r = s.post("/api/v1/admin/keys", {"workspace_id": ws, "admin": admin})
        assert r.status == 200, r
        return ws, r.output["key_id"], r.output["api_key"]

    def create_ok(self, body, key="default"):
        r = self.server.create(body, key=key)
        out = self.assertOk(r)
        self.assertDeploymentShape(out)
        return out

    def running(self, body, key="default"):
        """Creates and waits for RUNNING with every unit ready."""
        out = self.create_ok(body, key=key)
        r = self.server.wait_running(out["deployed_model"], key=key)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.output["status"], "RUNNING", r)
        self.assertEqual(r.output["ready_capacity"], r.output["capacity"], r)
        return r.output


def tearDownModule():
    if ApiTestCase.server is not None:
        ApiTestCase.server.cleanup()
        ApiTestCase.server = None


# ---------------------------------------------------------------------------------------------
class ModelsTest(ApiTestCase):
    def all_models(self, query=""):
        r = self.server.get(MODELS + "?page_size=200" + query)
        out = self.assertOk(r)
        self.assertEqual(out["total"], len(out["models"]))
        return {m["model_name"]: m for m in out["models"]}

    def test_legacy_shape_without_version(self):
        r = self.server.get(MODELS)
        out = self.assertOk(r)
        self.assertEqual(out["page_no"], 1)
        self.assertEqual(out["page_size"], 50)
        self.assertIsInstance(out["total"], int)
        self.assertGreater(out["total"], 0)
        self.assertEqual(len(out["models"]), min(50, out["total"]))
        for m in out["models"]:
            self.assertEqual(set(m), {"model_name", "base_capacity"}, m)
            self.assertIsInstance(m["model_name"], str)
            self.assertIsInstance(m["base_capacity"], int)
            self.assertGreater(m["base_capacity"], 0)
        models = self.all_models()
        self.assertEqual(models["qwen3-8b"]["base_capacity"], 2)
        self.assertEqual(models["emo"]["base_capacity"], 1)
        self.assertEqual(models["qwen-plus-2025-12-01"]["base_capacity"], 4)

    def test_paging(self):
        full = self.assertOk(self.server.get(MODELS + "?page_size=200"))
        names = [m["model_name"] for m in full["models"]]
        page = self.assertOk(self.server.get(MODELS + "?page_no=2&page_size=1"))
        self.assertEqual(page["page_no"], 2)
        self.assertEqual(page["page_size"], 1)
        self.assertEqual(page["total"], full["total"])
        self.assertEqual([m["model_name"] for m in page["models"]], [names[1]])
        beyond = self.assertOk(self.server.get(MODELS + "?page_no=1000&page_size=100"))
        self.assertEqual(beyond["models"], [])
        self.assertEqual(beyond["total"], full["total"])
        for bad in ("page_size=0", "page_size=201", "page_no=0", "page_size=abc"):
            with self.subTest(query=bad):
                self.assertError(self.server.get(MODELS + "?" + bad), 400, "InvalidParameter")

    def test_v1_shape(self):
        models = self.all_models("&version=v1.0")
        for name, m in models.items():
            self.assertIsInstance(m["plans"], list, m)
            self.assertTrue(m["plans"], m)
            for plan in m["plans"]:
                self.assertIn(plan["plan"], ("mu", "cu", "ptu", "lora"), m)
                if plan["plan"] == "mu":
                    self.assertTrue(plan["templates"], m)
                    for t in plan["templates"]:
                        self.assertIsInstance(t["template_id"], str)
                        self.assertIsInstance(t["capacity_unit_per_instance"], int)
                        self.assertEqual(t["roles"]["unified"]["capacity_unit_per_instance"],
                                         t["capacity_unit_per_instance"])
        q8 = models["qwen3-8b"]
        mu = [p for p in q8["plans"] if p["plan"] == "mu"][0]
        templates = {t["template_id"]: t for t in mu["templates"]}
        self.assertEqual(templates["MU1"]["capacity_unit_per_instance"], 2)
        self.assertEqual(templates["MU1"]["deploy_spec"], "MU1")
        self.assertEqual(templates["MU1"]["charge_type"], "post_paid")
        self.assertEqual(templates["MU1"]["template_type"], "COUPLED")
        emo = models["emo"]
        self.assertEqual([p["plan"] for p in emo["plans"]], ["cu"])
        flash = models["qwen-flash-2025-07-28"]
        self.assertIn("ptu", [p["plan"] for p in flash["plans"]])
        # The legacy base_capacity is the first template's units per replica.
        legacy = self.all_models()
        self.assertEqual(set(legacy), set(models))
        self.assertEqual(legacy["qwen3-8b"]["base_capacity"],
                         mu["templates"][0]["capacity_unit_per_instance"])

    def test_bad_version_and_source(self):
        self.assertError(self.server.get(MODELS + "?version=v2"), 400, "InvalidParameter",
                         contains="version")
        self.assertError(self.server.get(MODELS + "?model_source=mine"), 400,
                         "InvalidParameter", contains="model_source")

    def test_custom_models_are_listed_under_model_source_custom(self):
        name = "qwen3-8b-ft-202601010000-abcd"
        r = self.server.post("/api/v1/admin/models",
                             {"model_name": name, "base_model": "qwen3-8b",
                              "plans": ["lora", "mu"]})
        self.assertOk(r)
        custom = self.all_models("&model_source=custom")
        self.assertIn(name, custom)
        self.assertEqual(custom[name]["base_capacity"], 2)
        self.assertNotIn(name, self.all_models())
        self.assertNotIn("qwen3-8b", custom)
        v1 = self.all_models("&model_source=custom&version=v1.0")[name]
        self.assertEqual(v1["model_source"], "custom")
        self.assertEqual(v1["base_model"], "qwen3-8b")
        self.assertEqual(sorted(p["plan"] for p in v1["plans"]), ["lora", "mu"])
        # The admin listing shows the registration; registering twice is a conflict.
        admin = self.assertOk(self.server.get("/api/v1/admin/models"))
        self.assertIn(name, [m["model_name"] for m in admin["models"]])
        again = self.server.post("/api/v1/admin/models",
                                 {"model_name": name, "base_model": "qwen3-8b",
                                  "plans": ["lora"]})
        self.assertError(again, 409, "Conflict")
        self.assertError(self.server.post("/api/v1/admin/models",
                                          {"model_name": "x-ft", "base_model": "nope"}),
                         400, "InvalidParameter", contains="base_model")


# ---------------------------------------------------------------------------------------------
class CreateTest(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ws, _, cls.key = cls.make_workspace("create-tests")

    def create(self, body):
        return self.server.create(body, key=self.key)

    def test_sdk_minimal_body_and_conflict(self):
        # The Python SDK's body: no plan, no spec (plan defaults to the model's first).
        r = self.create({"model_name": "qwen3-8b", "capacity": 2})
        out = self.assertOk(r)
        self.assertDeploymentShape(out)
        first = out["deployed_model"]
        self.assertRegex(first, r"^qwen3-8b-[0-9a-f]{8}$")
        self.assertEqual(out["status"], "PENDING")
        self.assertEqual(out["plan"], "mu")
        self.assertEqual(out["model_unit_spec"], "MU1")
        self.assertEqual(out["model_name"], "qwen3-8b")
        self.assertEqual(out["base_model"], "qwen3-8b")
        self.assertEqual(out["name"], "qwen3-8b")
        self.assertEqual((out["base_capacity"], out["capacity"], out["ready_capacity"]),
                         (2, 2, 0))
        self.assertEqual(out["workspace_id"], self.ws)
        self.assertEqual(out["gmt_create"], out["gmt_modified"])
        # The same model again without a suffix: the documented Conflict.
        self.assertError(self.create({"model_name": "qwen3-8b", "capacity": 2}), 409,
                         "Conflict",
                         message="Deployed model %s already exists, please specify a suffix."
                         % first)
        # The SDK's test body with a suffix.
        out = self.assertOk(self.create({"model_name": "qwen3-8b", "capacity": 2,
                                         "suffix": "1"}))
        self.assertEqual(out["deployed_model"], first + "-1")
        self.assertEqual(out["status"], "PENDING")
        self.assertError(self.create({"model_name": "qwen3-8b", "capacity": 2, "suffix": "1"}),
                         409, "Conflict",
                         message="Deployed model %s-1 already exists, please specify a suffix."
                         % first)
        # The name hash is per workspace: the default workspace gets another id.
        other = self.server.create({"model_name": "qwen3-8b", "capacity": 2, "suffix": "ws"})
        self.assertOk(other)
        self.assertNotEqual(other.output["deployed_model"], first + "-ws")
        self.assertEqual(self.server.wait_running(first, key=self.key).output["status"],
                         "RUNNING")

    def test_mu_with_all_options(self):
        body = {"name": "my_qwen_plus", "model_name": "qwen-plus-2025-12-01", "plan": "mu",
                "deploy_spec": "MU1", "enable_thinking": True, "capacity": 8,
                "max_context_length": 10000, "rpm_limit": 500, "tpm_limit": 1000,
                "billing_method": "POST_PAY", "suffix": "full", "unknown_field": {"x": 1}}
        out = self.assertOk(self.create(body))
        self.assertDeploymentShape(out)
        self.assertTrue(out["deployed_model"].startswith("qwen-plus-2025-12-01-"))
        self.assertTrue(out["deployed_model"].endswith("-full"))
        self.assertEqual(out["name"], "my_qwen_plus")
        self.assertEqual(out["plan"], "mu")
        self.assertEqual(out["model_unit_spec"], "MU1")
        self.assertEqual((out["base_capacity"], out["capacity"]), (4, 8))
        self.assertIs(out["enable_thinking"], True)
        self.assertEqual(out["max_context_length"], 10000)
        self.assertEqual((out["rpm_limit"], out["tpm_limit"]), (500, 1000))
        self.assertNotIn("ptu_capacity", out)
        # template_id is accepted as deploy_spec (older bl CLI).
        out = self.assertOk(self.create({"model_name": "qwen3-8b", "plan": "mu",
                                         "template_id": "MU2", "capacity": 2,
                                         "suffix": "tpl"}))
        self.assertEqual(out["model_unit_spec"], "MU2")
        self.assertEqual(out["base_capacity"], 2)
        # MU5 x 1: capacity 1 is fine.
        out = self.assertOk(self.create({"model_name": "qwen3-8b", "deploy_spec": "MU5",
                                         "capacity": 3, "suffix": "mu5"}))
        self.assertEqual((out["model_unit_spec"], out["base_capacity"], out["capacity"]),
                         ("MU5", 1, 3))

    def test_ptu(self):
        out = self.assertOk(self.create({"name": "my_qwen_flash",
                                         "model_name": "qwen-flash-2025-07-28", "plan": "ptu",
                                         "ptu_capacity": {"input_tpm": 10000,
                                                          "output_tpm": 1000}}))
        self.assertDeploymentShape(out)
        self.assertEqual(out["plan"], "ptu")
        self.assertEqual(out["ptu_capacity"], {"input_tpm": 10000, "output_tpm": 1000})
        self.assertEqual(out["overflow_strategy"], "enable")
        self.assertEqual(out["base_capacity"], 1)
        self.assertGreaterEqual(out["capacity"], 1)
        self.assertNotIn("model_unit_spec", out)
        # Omitted ptu_capacity: the documented defaults.
        out = self.assertOk(self.create({"model_name": "qwen-flash-2025-07-28", "plan": "ptu",
                                         "suffix": "dflt"}))
        self.assertEqual(out["ptu_capacity"], {"input_tpm": 10000, "output_tpm": 1000})
        # Not a multiple of the price unit.
        self.assertError(self.create({"model_name": "qwen-flash-2025-07-28", "plan": "ptu",
                                      "suffix": "bad",
                                      "ptu_capacity": {"input_tpm": 15000,
                                                       "output_tpm": 1000}}),
                         400, "InvalidParameter", contains="ptu_capacity.input_tpm")
        # rpm_limit belongs to mu.
        self.assertError(self.create({"model_name": "qwen-flash-2025-07-28", "plan": "ptu",
                                      "suffix": "bad2", "rpm_limit": 5}),
                         400, "InvalidParameter", contains="rpm_limit")

    def test_lora(self):
        model = "qwen3-8b-ft-202511132025-0261"
        self.assertOk(self.server.post("/api/v1/admin/models",
                                       {"model_name": model, "base_model": "qwen3-8b",
                                        "plans": ["lora"]}))
        out = self.assertOk(self.create({"model_name": model, "plan": "lora", "capacity": 1,
                                         "name": "qwen3-8b-ft"}))
        self.assertDeploymentShape(out)
        self.assertEqual(out["deployed_model"], model)
        self.assertEqual(out["plan"], "lora")
        self.assertEqual(out["base_model"], "qwen3-8b")
        self.assertEqual(out["name"], "qwen3-8b-ft")
        self.assertEqual(out["capacity"], 1)
        # capacity is required but has no effect.
        out = self.assertOk(self.create({"model_name": model, "plan": "lora", "capacity": 7,
                                         "suffix": "two"}))
        self.assertEqual(out["deployed_model"], model + "-two")
        self.assertEqual(out["capacity"], 1)
        self.assertError(self.create({"model_name": model, "plan": "lora", "suffix": "three"}),
                         400, "InvalidParameter", contains="capacity")
        self.assertError(self.create({"model_name": model, "plan": "lora", "capacity": 1}),
                         409, "Conflict",
                         message="Deployed model %s already exists, please specify a suffix."
                         % model)
        r = self.server.wait_running(model, key=self.key)
        self.assertEqual(r.output["status"], "RUNNING", r)

    def test_cu(self):
        out = self.assertOk(self.create({"model_name": "emo", "plan": "cu", "capacity": 1,
                                         "suffix": "sample01"}))
        self.assertDeploymentShape(out)
        self.assertRegex(out["deployed_model"], r"^emo-[0-9a-f]{8}-sample01$")
        self.assertEqual(out["plan"], "cu")
        self.assertEqual((out["base_capacity"], out["capacity"]), (1, 1))
        # Without a plan, emo's only plan is used.
        out = self.assertOk(self.create({"model_name": "emo", "capacity": 2, "suffix": "np"}))
        self.assertEqual(out["plan"], "cu")

    def test_not_found(self):
        self.assertError(self.create({"model_name": "nope", "capacity": 2}), 404, "NotFound",
                         message="Model: nope not found!")

    def test_invalid_parameters(self):
        capacity_msg = ("Invalid capacity (%d), capacity must be larger than or equal to 0 and "
                        "multiples of 2 and less than 1000!")
        cases = [
            ({"model_name": "qwen3-8b", "capacity": 3, "suffix": "c3"}, capacity_msg % 3, None),
            ({"model_name": "qwen3-8b", "capacity": 1000, "suffix": "c1k"}, capacity_msg % 1000,
             None),
            ({"model_name": "qwen3-8b", "capacity": -2, "suffix": "cneg"}, capacity_msg % -2,
             None),
            ({"model_name": "qwen3-8b", "capacity": "2", "suffix": "cstr"}, None, "capacity"),
            ({"model_name": "qwen3-8b", "capacity": 2.5, "suffix": "cflt"}, None, "capacity"),
            ({"model_name": "qwen3-8b", "suffix": "nocap"}, None, "capacity is required"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "abcdefghi"}, None, "suffix"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "ABC"}, None, "suffix"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": ""}, None, "suffix"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "a-b"}, None, "suffix"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "ptu",
              "ptu_capacity": {"input_tpm": 10000}}, None, "ptu_capacity"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "pl", "plan": "gold"}, None,
             "plan"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "pl2", "plan": "ptu"}, None,
             "plan"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "sp", "deploy_spec": "MU7"},
             None, "deploy_spec"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "bm",
              "billing_method": "PRE_PAY"}, None, "billing_method"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "nm", "name": ""}, None,
             "name"),
            ({"model_name": 42, "capacity": 2}, None, "model_name"),
            ({"capacity": 2}, None, "model_name"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "et",
              "enable_thinking": "yes"}, None, "enable_thinking"),
            ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "rl", "rpm_limit": 0}, None,
             "rpm_limit"),
        ]
        for body, message, contains in cases:
            with self.subTest(body=body):
                self.assertError(self.create(body), 400, "InvalidParameter", message=message,
                                 contains=contains)
        for raw in ('{"model_name":', "[1,2]", '"text"', "nul", "{\"a\":1}{"):
            with self.subTest(raw=raw):
                r = self.server.request("POST", DEPLOYMENTS, raw_body=raw, key=self.key)
                self.assertError(r, 400, "InvalidParameter")
        r = self.server.request("POST", DEPLOYMENTS, raw_body="[1,2]", key=self.key)
        self.assertError(r, 400, "InvalidParameter", contains="JSON object")
        r = self.server.request("POST", DEPLOYMENTS, raw_body="", key=self.key)
        self.assertError(r, 400, "InvalidParameter", contains="empty")
        # Nothing of the above was created.
        listed = self.assertOk(self.server.get(DEPLOYMENTS + "?page_size=200", key=self.key))
        suffixes = {"c3", "c1k", "cneg", "cstr", "cflt", "nocap", "ptu", "pl", "pl2", "sp",
                    "bm", "nm", "et", "rl"}
        for d in listed["deployments"]:
            self.assertNotIn(d["deployed_model"].rsplit("-", 1)[-1], suffixes, d)


# ---------------------------------------------------------------------------------------------
class ListTest(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ws, _, cls.key = cls.make_workspace("list-tests")

    def test_list_order_paging_and_filter(self):
        s = self.server
        empty = self.assertOk(s.get(DEPLOYMENTS, key=self.key))
        self.assertEqual((empty["total"], empty["deployments"]), (0, []))
        self.assertEqual((empty["page_no"], empty["page_size"]), (1, 50))
        ids = []
        for body in ({"model_name": "qwen3-8b", "capacity": 2, "suffix": "a"},
                     {"model_name": "qwen3-8b", "capacity": 2, "suffix": "b"},
                     {"model_name": "emo", "plan": "cu", "capacity": 1},
                     {"model_name": "qwen3-8b", "capacity": 4, "suffix": "c"}):
            ids.append(self.create_ok(body, key=self.key)["deployed_model"])
            time.sleep(0.01)  # distinct creation times (millisecond resolution)
        newest_first = list(reversed(ids))
        out = self.assertOk(s.get(DEPLOYMENTS, key=self.key))
        self.assertEqual(out["total"], 4)
        self.assertEqual([d["deployed_model"] for d in out["deployments"]], newest_first)
        for d in out["deployments"]:
            self.assertDeploymentShape(d)
            self.assertEqual(d["workspace_id"], self.ws)
        # The SDK's default query.
        out = self.assertOk(s.get(DEPLOYMENTS + "?page_no=1&page_size=10", key=self.key))
        self.assertEqual((out["page_no"], out["page_size"], out["total"]), (1, 10, 4))
        # Paging.
        for page_no in (1, 2, 3, 4):
            out = self.assertOk(s.get(DEPLOYMENTS + "?page_no=%d&page_size=1" % page_no,
                                      key=self.key))
            self.assertEqual((out["page_no"], out["page_size"], out["total"]), (page_no, 1, 4))
            self.assertEqual([d["deployed_model"] for d in out["deployments"]],
                             [newest_first[page_no - 1]])
        out = self.assertOk(s.get(DEPLOYMENTS + "?page_no=2&page_size=3", key=self.key))
        self.assertEqual([d["deployed_model"] for d in out["deployments"]], [newest_first[3]])
        out = self.assertOk(s.get(DEPLOYMENTS + "?page_no=5&page_size=1", key=self.key))
        self.assertEqual((out["total"], out["deployments"]), (4, []))
        # Plan filter.
        out = self.assertOk(s.get(DEPLOYMENTS + "?plan=cu", key=self.key))
        self.assertEqual([d["deployed_model"] for d in out["deployments"]], [ids[2]])
        self.assertEqual(out["total"], 1)
        out = self.assertOk(s.get(DEPLOYMENTS + "?plan=mu", key=self.key))
        self.assertEqual(out["total"], 3)
        self.assertEqual(self.assertOk(s.get(DEPLOYMENTS + "?plan=ptu", key=self.key))["total"],
                         0)
        # status is not a filter (as in the cloud): ignored.
        out = self.assertOk(s.get(DEPLOYMENTS + "?status=STOPPED", key=self.key))
        self.assertEqual(out["total"], 4)
        # Bad queries.
        for bad in ("page_size=0", "page_size=201", "page_no=0", "page_no=-1", "page_size=x",
                    "plan=gold"):
            with self.subTest(query=bad):
                self.assertError(s.get(DEPLOYMENTS + "?" + bad, key=self.key), 400,
                                 "InvalidParameter")
        out = self.assertOk(s.get(DEPLOYMENTS + "?page_size=200", key=self.key))
        self.assertEqual(out["page_size"], 200)


# ---------------------------------------------------------------------------------------------
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
        self.assertError(self.req("GET", dpath(id_, "events")), 404, "NotFound")
        listed = self.assertOk(self.req("GET", DEPLOYMENTS + "?page_size=200"))
        self.assertNotIn(id_, [x["deployed_model"] for x in listed["deployments"]])
        # The name is free again.
        again = self.create_ok({"model_name": "qwen3-8b", "capacity": 2, "suffix": "delp"},
                               key=self.key)
        self.assertEqual(again["deployed_model"], id_)
        self.assertEqual(again["status"], "PENDING")

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


# ---------------------------------------------------------------------------------------------
class AuthAndTenancyTest(ApiTestCase):
    def test_missing_and_bad_keys(self):
        s = self.server
        for path in (DEPLOYMENTS, MODELS, dpath("x"), "/api/v1/admin/workspaces"):
            with self.subTest(path=path):
                self.assertError(s.get(path, key=None), 401, "InvalidApiKey",
                                 message="No API-key provided.")
                self.assertError(s.get(path, key="sk-not-a-key"), 401, "InvalidApiKey",
                                 message="Invalid API-key provided.")
        self.assertError(s.get(DEPLOYMENTS, key=None, headers={"Authorization": "Basic abc"}),
                         401, "InvalidApiKey", message="Invalid API-key provided.")
        self.assertError(s.get(DEPLOYMENTS, key=None, headers={"Authorization": "Bearer "}),
                         401, "InvalidApiKey")
        # Writes are refused before anything happens.
        self.assertError(s.create({"model_name": "qwen3-8b", "capacity": 2, "suffix": "noauth"},
                                  key=None), 401, "InvalidApiKey")
        # The scheme is case-insensitive.
        self.assertOk(s.get(DEPLOYMENTS, key=None,
                            headers={"Authorization": "bearer " + s.api_key}))

    def test_workspaces_are_isolated(self):
        s = self.server
        ws_a, _, key_a = self.make_workspace("tenant-a")
        ws_b, _, key_b = self.make_workspace("tenant-b")
        d = self.running({"model_name": "qwen3-8b", "capacity": 2, "suffix": "tena"},
                         key=key_a)
        id_ = d["deployed_model"]
        self.assertEqual(d["workspace_id"], ws_a)
        not_found = "Model: %s not found!" % id_
        # B sees nothing of A: 404 (not 403), so existence does not leak.
        self.assertError(s.get(dpath(id_), key=key_b), 404, "NotFound", message=not_found)
        self.assertError(s.put(dpath(id_, "scale"), {"capacity": 4}, key=key_b), 404,
                         "NotFound", message=not_found)
        self.assertError(s.put(dpath(id_, "update"), {"rpm_limit": 1}, key=key_b), 404,
                         "NotFound", message=not_found)
        self.assertError(s.put(dpath(id_, "stop"), key=key_b), 404, "NotFound",
                         message=not_found)
        self.assertError(s.put(dpath(id_, "start"), key=key_b), 404, "NotFound",
                         message=not_found)
        self.assertError(s.get(dpath(id_, "events"), key=key_b), 404, "NotFound",
                         message=not_found)
        self.assertError(s.delete(dpath(id_), key=key_b), 404, "NotFound", message=not_found)
        listed = self.assertOk(s.get(DEPLOYMENTS, key=key_b))
        self.assertEqual((listed["total"], listed["deployments"]), (0, []))
        # A's deployment is untouched.
        got = self.assertOk(s.get(dpath(id_), key=key_a))
        self.assertEqual((got["status"], got["capacity"]), ("RUNNING", 2))
        listed = self.assertOk(s.get(DEPLOYMENTS, key=key_a))
        self.assertEqual([x["deployed_model"] for x in listed["deployments"]], [id_])
        # B may deploy the same model without a suffix: names are per workspace.
        other = self.create_ok({"model_name": "qwen3-8b", "capacity": 2, "suffix": "tena"},
                               key=key_b)
        self.assertNotEqual(other["deployed_model"], id_)
        self.assertEqual(other["workspace_id"], ws_b)
        # The workspace header: a key may name its own workspace, not another.
        self.assertOk(s.get(DEPLOYMENTS, key=key_b, headers={"X-DashScope-WorkSpace": ws_b}))
        self.assertError(s.get(DEPLOYMENTS, key=key_b, headers={"X-DashScope-WorkSpace": ws_a}),
                         403, "AccessDenied", message="Workspace access denied.")
        self.assertError(s.get(dpath(id_), key=key_b, headers={"X-DashScope-WorkSpace": ws_a}),
                         403, "AccessDenied", message="Workspace access denied.")
        # An admin key may act in any existing workspace, and only existing ones.
        as_a = self.assertOk(s.get(DEPLOYMENTS, headers={"X-DashScope-WorkSpace": ws_a}))
        self.assertEqual([x["deployed_model"] for x in as_a["deployments"]], [id_])
        self.assertError(s.get(DEPLOYMENTS, headers={"X-DashScope-WorkSpace": "llm-nope"}), 403,
                         "AccessDenied", message="Workspace access denied.")

    def test_admin_routes_need_an_admin_key(self):
        s = self.server
        _, _, key = self.make_workspace("not-admin")
        for method, path, body in (("GET", "/api/v1/admin/workspaces", None),
                                   ("POST", "/api/v1/admin/workspaces", {"name": "x"}),
                                   ("GET", "/api/v1/admin/keys", None),
                                   ("POST", "/api/v1/admin/keys", {}),
                                   ("DELETE", "/api/v1/admin/keys/key-123", None),
                                   ("GET", "/api/v1/admin/models", None),
                                   ("POST", "/api/v1/admin/models",
                                    {"model_name": "m-ft", "base_model": "qwen3-8b"})):
            with self.subTest(method=method, path=path):
                self.assertError(s.request(method, path, body=body, key=key), 403,
                                 "AccessDenied")
        self.assertOk(s.get("/api/v1/admin/workspaces"))
        # The non-admin key still works on the user API.
        self.assertOk(s.get(DEPLOYMENTS, key=key))

    def test_admin_workspaces_and_keys(self):
        s = self.server
        ws, key_id, secret = self.make_workspace("keys")
        self.assertTrue(secret.startswith("sk-"))
        workspaces = self.assertOk(s.get("/api/v1/admin/workspaces"))
        self.assertIn(ws, [w["workspace_id"] for w in workspaces["workspaces"]])
        keys = self.assertOk(s.get("/api/v1/admin/keys"))
        listed = [k for k in keys["keys"] if k["key_id"] == key_id]
        self.assertEqual(len(listed), 1)
        self.assertEqual((listed[0]["workspace_id"], listed[0]["admin"]), (ws, False))
        self.assertNotIn("api_key", listed[0])  # the secret is shown once only
        self.assertNotIn(secret, str(keys))
        self.assertError(s.post("/api/v1/admin/keys", {"workspace_id": "llm-nope"}), 404,
                         "NotFound")
        self.assertError(s.post("/api/v1/admin/workspaces", {}), 400, "InvalidParameter")

    def test_deleted_key_stops_working_at_once(self):
        s = self.server
        _, key_id, secret = self.make_workspace("revoke")
        self.assertOk(s.get(DEPLOYMENTS, key=secret))
        out = self.assertOk(s.delete("/api/v1/admin/keys/" + key_id))
        self.assertEqual(out, {"key_id": key_id, "deleted": True})
        self.assertError(s.get(DEPLOYMENTS, key=secret), 401, "InvalidApiKey",
                         message="Invalid API-key provided.")
        self.assertError(s.delete("/api/v1/admin/keys/" + key_id), 404, "NotFound")
        keys = self.assertOk(s.get("/api/v1/admin/keys"))
        self.assertNotIn(key_id, [k["key_id"] for k in keys["keys"]])


# ---------------------------------------------------------------------------------------------
class ConventionsTest(ApiTestCase):
    def test_request_ids(self):
        s = self.server
        seen = set()
        for r in (s.get(DEPLOYMENTS), s.get(MODELS), s.get(dpath("nope-4")),
                  s.get(DEPLOYMENTS, key=None), s.get("/healthz")):
            rid = r.json["request_id"]
            self.assertEqual(r.header("X-Request-Id"), rid, r)
            self.assertNotIn(rid, seen)
            seen.add(rid)
        # A client's own plain X-Request-Id is reused.
        r = s.get(DEPLOYMENTS, headers={"X-Request-Id": "my-trace_1.2"})
        self.assertEqual((r.json["request_id"], r.header("X-Request-Id")),
                         ("my-trace_1.2", "my-trace_1.2"))
        r = s.get(DEPLOYMENTS, headers={"X-Request-Id": "bad id with spaces"})
        self.assertNotEqual(r.json["request_id"], "bad id with spaces")
        self.assertEqual(r.header("X-Request-Id"), r.json["request_id"])

    def test_json_content_type_variants(self):
        s = self.server
        r = s.request("POST", DEPLOYMENTS, body={"model_name": "qwen3-8b", "capacity": 2,
                                                 "suffix": "cs"},
                      content_type="application/json; charset=utf-8")
        self.assertOk(r)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))

    def test_healthz(self):
        r = self.server.get("/healthz", key=None)
        out = self.assertOk(r)
        self.assertEqual(out["status"], "ok")

    def test_metrics(self):
        s = self.server
        self.running({"model_name": "qwen3-8b", "capacity": 2, "suffix": "metric"})
        r = s.get("/metrics", key=None)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"), r.headers)
        text = r.text
        self.assertIn("# TYPE berth_http_requests_total counter", text)
        self.assertRegex(text, r'berth_http_requests_total\{route="/api/v1/deployments",'
                               r'method="POST",code="200"\} [1-9]\d*')
        self.assertRegex(text, r'berth_http_request_duration_seconds_bucket\{route="[^"]+",'
                               r'le="\+Inf"\} [1-9]\d*')
        m = re.search(r'^berth_deployments\{status="RUNNING"\} (\d+)$', text, re.M)
        self.assertIsNotNone(m, text)
        self.assertGreaterEqual(int(m.group(1)), 1)
        for status in ("PENDING", "UPDATING", "STOPPED", "DELETING", "FAILED"):
            self.assertRegex(text, r'berth_deployments\{status="%s"\} \d+' % status)


if __name__ == "__main__":
    h.main()
