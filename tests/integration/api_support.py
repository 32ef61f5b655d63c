"""Shared by the control-plane API tests (test_api_*.py): one real `berth serve` per file, a
workspace per test class where listing or naming must not see other classes' deployments, and
helpers to create deployments as a client does."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

DEPLOYMENTS = "/api/v1/deployments"
MODELS = "/api/v1/deployments/models"


def dpath(deployed_model, action=""):
    return DEPLOYMENTS + "/" + deployed_model + ("/" + action if action else "")


class ApiTestCase(h.BerthTestCase):
    """One server for the whole file (each test file is its own process); each class works in its own workspace where listing or
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


def stop_server():
    """For each test file's tearDownModule."""
    if ApiTestCase.server is not None:
        ApiTestCase.server.cleanup()
        ApiTestCase.server = None

