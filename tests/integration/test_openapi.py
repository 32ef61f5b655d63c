#!/usr/bin/env python3
"""GET /api/v1/openapi.json against a real `berth serve`, the validator the harness applies to
every response (openapi_check.py), and the console's static route (gzip, ETag, CSP).

The document served equals data/openapi.json; it needs no key and answers 304 to its ETag. For
every path it lists, berth's 405 Allow header names exactly the methods the document lists, so
an operation cannot be missing from either side. A walk over every route (success and errors)
validates each answer, and the validator itself is shown to refuse what the document forbids.
"""

import gzip
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
import openapi_check  # noqa: E402


class OpenApiDocumentTest(h.BerthTestCase):
    def test_served_without_a_key_equal_to_the_source_with_an_etag(self):
        resp = self.server.get("/api/v1/openapi.json", key=None)
        self.assertEqual(resp.status, 200, resp)
        self.assertTrue(resp.header("content-type").startswith("application/json"))
        with open(openapi_check.DOCUMENT_PATH, encoding="utf-8") as f:
            self.assertEqual(resp.json, json.load(f))
        self.assertEqual(resp.json["openapi"], "3.1.0")
        etag = resp.header("etag")
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
        again = self.server.get("/api/v1/openapi.json", key=None, headers={"If-None-Match": etag})
        self.assertEqual(again.status, 304)
        self.assertEqual(again.raw, b"")

    def test_allowed_methods_match_the_document_for_every_path(self):
        doc = openapi_check.document().doc
        for template, item in doc["paths"].items():
            if (template.startswith("/compatible-mode/") or "/services/" in template or
                    template in ("/", "/index.html") or template.startswith("/assets/")):
                continue  # the gateway's fixed routes and the console's files
            path = template.replace("{id}", "x").replace("{key_id}", "x").replace(
                "{model_name}", "x")
            resp = self.server.request("PATCH", path)
            self.assertEqual(resp.status, 405, "%s: %s" % (path, resp))
            allowed = {m.strip().lower() for m in resp.header("allow").split(",")}
            allowed.discard("head")
            documented = {m for m in item if m in ("get", "put", "post", "delete", "patch")}
            self.assertEqual(allowed, documented, template)

    def test_every_route_answers_as_documented(self):
        """Each call goes through the harness, which validates its answer."""
        s = self.server
        s.get("/healthz", key=None)
        s.get("/metrics", key=None)
        s.get("/api/v1/deployments/models")
        s.get("/api/v1/deployments/models?version=v1.0&page_size=200")
        s.get("/api/v1/deployments/models?model_source=custom&version=v1.0")
        ws = s.post("/api/v1/admin/workspaces", {"name": "openapi"}).output
        key = s.post("/api/v1/admin/keys", {"workspace_id": ws["workspace_id"]}).output
        s.get("/api/v1/admin/workspaces")
        s.get("/api/v1/admin/keys")
        s.post("/api/v1/admin/models", {"model_name": "qwen3-8b-ft-openapi", "base_model":
                                        "qwen3-8b", "plans": ["lora"]})
        s.get("/api/v1/admin/models")
        mu = s.create({"model_name": "qwen3-8b", "capacity": 2, "rpm_limit": 5}).output
        ptu = s.create({"model_name": "qwen-flash-2025-07-28", "plan": "ptu"}).output
        dm = mu["deployed_model"]
        s.wait_running(dm)
        s.get("/api/v1/deployments?page_size=5")
        s.get("/api/v1/deployments/" + dm)
        s.put("/api/v1/deployments/%s/scale" % dm, {"capacity": 4})
        s.put("/api/v1/deployments/%s/update" % dm, {"rpm_limit": None, "tpm_limit": 100})
        s.put("/api/v1/deployments/%s/update-overflowstrategy" % ptu["deployed_model"],
              {"overflow_strategy": "disable"})
        s.put("/api/v1/deployments/%s/stop" % dm)
        s.put("/api/v1/deployments/%s/start" % dm)
        s.get("/api/v1/deployments/%s/events" % dm)
        s.get("/api/v1/deployments/%s/replicas" % dm)
        s.get("/api/v1/deployments/%s/usage" % dm)
        s.get("/api/v1/billing")
        s.get("/api/v1/billing?start=2026-01-01&end=2025-01-01")
        s.delete("/api/v1/deployments/" + ptu["deployed_model"])
        s.delete("/api/v1/admin/models/qwen3-8b-ft-openapi")
        s.delete("/api/v1/admin/keys/" + key["key_id"])
        # errors: each has the documented shape
        s.get("/api/v1/deployments", key="sk-wrong")
        s.get("/api/v1/admin/keys", key=key["api_key"])
        s.get("/api/v1/deployments/nope")
        s.post("/api/v1/deployments", {"model_name": "qwen3-8b", "capacity": 3})
        s.post("/api/v1/deployments", raw_body="{", content_type="application/json")
        s.get("/api/v1/nope")
        s.request("PATCH", "/api/v1/deployments")
        s.post("/compatible-mode/v1/chat/completions", {"model": "nope", "messages": []})
        s.get("/compatible-mode/v1/models")
        s.post("/api/v1/services/aigc/text-generation/generation", {"model": "nope", "input": {}})

    def test_the_validator_refuses_what_the_document_forbids(self):
        api = openapi_check.document()
        good = self.server.get("/api/v1/admin/workspaces").raw
        self.assertEqual(api.response_problems("GET", "/api/v1/admin/workspaces", 200,
                                               "application/json", good), [])
        body = json.loads(good)
        body["output"]["surprise"] = 1
        problems = api.response_problems("GET", "/api/v1/admin/workspaces", 200,
                                         "application/json", json.dumps(body).encode())
        self.assertTrue(any("'surprise' is not in the document" in p for p in problems), problems)
        del body["output"]["surprise"]
        body["output"]["total"] = "1"
        problems = api.response_problems("GET", "/api/v1/admin/workspaces", 200,
                                         "application/json", json.dumps(body).encode())
        self.assertTrue(any("expected integer" in p for p in problems), problems)
        problems = api.response_problems("GET", "/api/v1/undocumented", 200,
                                         "application/json", b"{}")
        self.assertTrue(any("no such operation" in p for p in problems), problems)
        problems = api.response_problems("GET", "/api/v1/deployments/x", 404,
                                         "application/json", b'{"code": "NotFound"}')
        self.assertTrue(any("'request_id' is missing" in p for p in problems), problems)
        problems = api.response_problems("GET", "/metrics", 200, "text/html", b"<p>")
        self.assertTrue(any("not documented" in p for p in problems), problems)


class ConsoleRouteTest(h.BerthTestCase):
    """`/` and `/assets/...` from --console-dir: pre-compressed, ETag, strict CSP."""

    shared_server = False

    def test_console_assets(self):
        tmp = tempfile.mkdtemp(prefix="berth-console-")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.makedirs(os.path.join(tmp, "assets"))
        files = {"index.html": b"<!doctype html><title>berth</title>" * 20,
                 "assets/app.js": b"console.log('berth');" * 50}
        for name, data in files.items():
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
            with open(os.path.join(tmp, name + ".gz"), "wb") as f:
                f.write(gzip.compress(data, 9))
        server = self.new_server(extra_args=["--console-dir", tmp])
        page = server.get("/", key=None, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(page.status, 200)
        self.assertEqual(page.header("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(page.raw), files["index.html"])
        csp = page.header("content-security-policy")
        self.assertIn("default-src 'none'", csp)
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe", csp)
        self.assertEqual(page.header("x-content-type-options"), "nosniff")
        plain = server.get("/", key=None)
        self.assertEqual(plain.raw, files["index.html"])
        self.assertIsNone(plain.header("content-encoding"))
        js = server.get("/assets/app.js", key=None)
        self.assertTrue(js.header("content-type").startswith("text/javascript"))
        same = server.get("/assets/app.js", key=None, headers={"If-None-Match": js.header("etag")})
        self.assertEqual(same.status, 304)
        missing = server.get("/assets/missing.js", key=None)
        self.assertEqual(missing.status, 404)
        # The API is unchanged beside it.
        self.assertEqual(server.get("/api/v1/nope", key=None).status, 404)


if __name__ == "__main__":
    h.main()
