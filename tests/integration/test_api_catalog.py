#!/usr/bin/env python3
"""The control-plane API as a client sees it: deployable models, create (every plan and every
invalid parameter) and list."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from api_support import DEPLOYMENTS, MODELS, ApiTestCase, stop_server  # noqa: E402


def tearDownModule():
    stop_server()


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

if __name__ == "__main__":
    h.main()
