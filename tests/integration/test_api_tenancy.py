#!/usr/bin/env python3
"""The control-plane API as a client sees it: keys, workspaces and admin routes, request ids,
content types, health and metrics."""

import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from api_support import DEPLOYMENTS, MODELS, ApiTestCase, dpath, stop_server  # noqa: E402


def tearDownModule():
    stop_server()


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

    def test_admins_deleting_each_other_at_once(self):
        # Both deletes used to pass: each request was authenticated before either key was gone.
        s = self.server
        for round_ in range(5):
            _, a_id, a_secret = self.make_workspace("mutual-a%d" % round_, admin=True)
            _, b_id, b_secret = self.make_workspace("mutual-b%d" % round_, admin=True)
            start = threading.Barrier(2)
            results = {}

            def delete(name, secret, victim):
                start.wait()
                results[name] = s.delete("/api/v1/admin/keys/" + victim, key=secret)

            threads = [threading.Thread(target=delete, args=("a", a_secret, b_id)),
                       threading.Thread(target=delete, args=("b", b_secret, a_id))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=20)
            statuses = sorted(r.status for r in results.values())
            self.assertEqual(statuses, [200, 401], results)
            keys = [k["key_id"] for k in self.assertOk(s.get("/api/v1/admin/keys"))["keys"]]
            self.assertEqual(len({a_id, b_id} & set(keys)), 1, keys)


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
