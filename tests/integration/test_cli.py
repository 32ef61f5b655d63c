#!/usr/bin/env python3
"""The `berth` client commands against a real `berth serve --runtime sim`: what a user sees on
stdout and stderr, and the exit status, for every deployment command, models, admin and errors.
(chat, usage and bill are in test_cli_pending.py until their server routes land.)"""

import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from cli_harness import run_cli  # noqa: E402


class CliTestCase(h.BerthTestCase):
    server_args = {"sim_ready_ms": 300}

    def cli(self, *args, **kw):
        return run_cli(self.server, args, **kw)

    def ok(self, *args, **kw):
        r = self.cli(*args, **kw)
        self.assertEqual(r.code, 0, r)
        return r

    def create(self, model="qwen3-8b", *extra):
        r = self.ok("deployments", "create", model, "-o", "json", *extra)
        return r.json["deployed_model"]


class DeploymentLifecycleTest(CliTestCase):
    def test_create_wait_then_every_command(self):
        r = self.ok("deployments", "create", "qwen3-8b", "--capacity", "4", "--spec", "MU1",
                    "--wait", "--interval", "100ms", "--timeout", "30s")
        # Human output: the detail view of the RUNNING deployment; progress went to stderr.
        m = re.search(r"^deployed model:\s+(qwen3-8b-[0-9a-f]{8})$", r.out, re.M)
        self.assertIsNotNone(m, r)
        d = m.group(1)
        self.assertRegex(r.out, r"(?m)^status:\s+RUNNING$")
        self.assertRegex(r.out, r"(?m)^ready:\s+4/4 \(base capacity 2\)$")
        self.assertNotIn("\033[", r.out)  # not a terminal: no colour
        self.assertIn("created " + d, r.err)
        self.assertRegex(r.err, re.escape(d) + r"  PENDING  ready 0/4  \d+s\n")
        self.assertIn(d + " reached RUNNING", r.err)
        self.assertNotIn("\r", r.err)  # plain lines, not a redrawn progress line

        # list: a table with the deployment, and -o json = the server's output
        r = self.ok("deployments", "list")
        self.assertRegex(r.out, r"^DEPLOYED MODEL\s+NAME\s+PLAN\s+STATUS\s+READY\s+CREATED\n")
        self.assertRegex(r.out, r"(?m)^%s\s+qwen3-8b\s+mu \(MU1\)\s+RUNNING\s+4/4\s+\d{4}-" % d)
        self.assertRegex(r.out, r"(?m)^1 of 1 deployments \(page 1\)$")
        listed = self.ok("deployments", "list", "-o", "json").json
        self.assertEqual(listed, self.server.get("/api/v1/deployments").output)

        r = self.ok("deployments", "get", d, "-o", "json")
        self.assertEqual(r.json, self.server.get_deployment(d).output)

        # scale --wait reaches the new capacity
        r = self.ok("deployments", "scale", d, "--capacity", "8", "--wait", "--interval", "100ms")
        self.assertRegex(r.out, r"(?m)^ready:\s+8/8 ")
        self.assertIn("UPDATING", r.err)
        self.assertEqual(self.server.get_deployment(d).output["capacity"], 8)

        # update: set one limit, remove another
        r = self.ok("deployments", "update", d, "--rpm-limit", "600", "-o", "json")
        self.assertEqual(r.json["rpm_limit"], 600)
        r = self.ok("deployments", "update", d, "--rpm-limit", "none", "--tpm-limit", "5000")
        self.assertRegex(r.out, r"(?m)^tpm limit:\s+5000$")
        self.assertNotIn("rpm limit", r.out)

        # stop --wait → STOPPED with nothing ready; start --wait → RUNNING again
        r = self.ok("deployments", "stop", d, "--wait", "--interval", "100ms")
        self.assertRegex(r.out, r"(?m)^status:\s+STOPPED$")
        self.assertRegex(r.out, r"(?m)^ready:\s+0/8 ")
        r = self.ok("deployments", "start", d, "--wait", "--interval", "100ms", "-o", "json")
        self.assertEqual(r.json["status"], "RUNNING")
        self.assertEqual(r.json["ready_capacity"], 8)

        # events: the history as a table, in order
        r = self.ok("deployments", "events", d)
        self.assertRegex(r.out, r"^TIME\s+TYPE\s+STATUS\s+READY\s+ACTOR\s+MESSAGE\n")
        types = [line.split()[2] for line in r.out.splitlines()[1:]]
        for t in ("Created", "Scaled", "LimitsUpdated", "Stopped", "Started"):
            self.assertIn(t, types, r)
        self.assertLess(types.index("Created"), types.index("Scaled"))
        self.assertEqual(self.ok("deployments", "events", d, "-o", "json").json["events"],
                         self.server.events(d).output["events"])

        # replicas: 4 ready sim replicas of 2 units each
        r = self.ok("deployments", "replicas", d)
        rows = [line for line in r.out.splitlines()[1:] if line.strip()]
        self.assertEqual(len(rows), 4, r)
        for row in rows:
            self.assertRegex(row, r"^\S+\s+ready\s+2\s+-\s+-\s+0\s+\d{4}-")

        # wait on a RUNNING deployment returns at once
        r = self.ok("deployments", "wait", d, "--timeout", "10s")
        self.assertIn("reached RUNNING", r.err)

        # delete --wait: gone afterwards
        r = self.ok("deployments", "delete", d, "--wait", "--interval", "100ms")
        self.assertIn(d + " reached deleted", r.err)
        self.assertEqual(self.server.get_deployment(d).status, 404)
        r = self.cli("deployments", "get", d)
        self.assertEqual(r.code, 1, r)
        self.assertIn("NotFound", r.err)

    def test_wait_for_stopped_and_deleted(self):
        d = self.create("qwen3-8b", "--capacity", "2", "--suffix", "w1")
        self.ok("deployments", "stop", d)
        r = self.ok("deployments", "wait", d, "--for", "stopped", "--interval", "100ms",
                    "-o", "json")
        self.assertEqual(r.json["status"], "STOPPED")
        self.ok("deployments", "delete", d)
        r = self.ok("deployments", "wait", d, "--for", "deleted", "--interval", "100ms")
        self.assertIn("reached deleted", r.err)

    def test_wait_times_out_with_its_own_exit_status(self):
        slow = self.new_server(sim_ready_ms=60000)
        d = run_cli(slow, ["deployments", "create", "qwen3-8b", "--capacity", "2", "-o",
                           "json"]).json["deployed_model"]
        r = run_cli(slow, ["deployments", "wait", d, "--timeout", "1s", "--interval", "200ms"])
        self.assertEqual(r.code, 3, r)
        self.assertIn("timed out after 1s waiting for %s to be RUNNING" % d, r.err)
        r = run_cli(slow, ["deployments", "create", "qwen3-8b", "--capacity", "2", "--suffix",
                           "t2", "--wait", "--timeout", "1s", "--interval", "200ms"])
        self.assertEqual(r.code, 3, r)

    def test_wait_exits_2_when_the_deployment_cannot_get_there(self):
        d = self.create("qwen3-8b", "--capacity", "2", "--suffix", "w2")
        self.ok("deployments", "stop", d)
        r = self.cli("deployments", "wait", d, "--timeout", "10s", "--interval", "100ms")
        self.assertEqual(r.code, 2, r)
        self.assertIn(d + " cannot reach RUNNING", r.err)
        self.ok("deployments", "delete", d)

    def test_create_ptu_and_list_filter(self):
        r = self.ok("deployments", "create", "deepseek-v3", "--plan", "ptu", "--input-tpm",
                    "20000", "--output-tpm", "2000", "-o", "json")
        self.assertEqual(r.json["plan"], "ptu")
        self.assertEqual(r.json["ptu_capacity"], {"input_tpm": 20000, "output_tpm": 2000})
        d = r.json["deployed_model"]
        r = self.ok("deployments", "get", d)
        self.assertRegex(r.out, r"(?m)^ptu capacity:\s+input 20,000 tpm, output 2,000 tpm$")
        r = self.ok("deployments", "list", "--plan", "ptu", "-o", "json")
        self.assertTrue(r.json["deployments"])
        self.assertEqual({x["plan"] for x in r.json["deployments"]}, {"ptu"})
        self.ok("deployments", "delete", d)


class ModelsTest(CliTestCase):
    def test_models_table_and_json(self):
        r = self.ok("models")
        self.assertRegex(r.out, r"^MODEL\s+PLANS\s+SPECS")
        self.assertRegex(r.out, r"(?m)^qwen3-8b\s+\S*mu\S*\s+MU1 ×2 [\d,]+\.\d\d/h")
        out = self.ok("models", "-o", "json").json
        want = self.server.get(
            "/api/v1/deployments/models?version=v1.0&page_no=1&page_size=200").output
        self.assertEqual(out, want)
        self.assertRegex(r.out, r"(?m)^%d of %d models \(page 1\)$"
                         % (len(want["models"]), want["total"]))


class AdminTest(CliTestCase):
    def test_workspace_and_key_creation_then_the_new_key_works(self):
        r = self.ok("admin", "workspaces", "create", "team-cli", "-o", "json")
        ws = r.json["workspace_id"]
        self.assertTrue(ws.startswith("llm-"), r)
        r = self.ok("admin", "workspaces", "list")
        self.assertRegex(r.out, r"(?m)^%s\s+team-cli\s+\d{4}-" % ws)
        r = self.ok("admin", "keys", "create", "--workspace-id", ws)
        secret = re.search(r"(?m)^api_key:\s+(\S+)$", r.out).group(1)
        key_id = re.search(r"(?m)^key_id:\s+(\S+)$", r.out).group(1)
        r = self.ok("admin", "keys", "list")
        self.assertRegex(r.out, r"(?m)^%s\s+%s\s+false\s+" % (key_id, ws))
        # The new key lists its own (empty) workspace.
        r = self.ok("deployments", "list", key=secret)
        self.assertEqual(r.out, "No deployments.\n")
        # A normal key may not use admin commands: the server's code, non-zero exit.
        r = self.cli("admin", "keys", "list", key=secret)
        self.assertEqual(r.code, 1, r)
        self.assertIn("AccessDenied", r.err)
        self.ok("admin", "keys", "delete", key_id)
        r = self.cli("deployments", "list", key=secret)
        self.assertEqual(r.code, 1, r)
        self.assertIn("InvalidApiKey", r.err)

    def test_custom_model_add_list_delete(self):
        name = "qwen3-8b-ft-202511132025-0260"
        r = self.ok("admin", "models", "add", name, "--base-model", "qwen3-8b", "--plan", "lora")
        self.assertRegex(r.out, r"(?m)^model_name:\s+%s$" % name)
        r = self.ok("admin", "models", "list")
        self.assertRegex(r.out, r"(?m)^%s\s+qwen3-8b\s+lora\s+" % name)
        r = self.ok("models", "--custom")
        self.assertIn(name, r.out)
        self.ok("admin", "models", "delete", name)


class ErrorsTest(CliTestCase):
    def test_bad_key_prints_the_servers_code_and_exits_non_zero(self):
        r = self.cli("deployments", "list", key="sk-not-a-real-key")
        self.assertEqual(r.code, 1, r)
        self.assertRegex(r.err, r"^error: InvalidApiKey: Invalid API-key provided\. "
                                r"\(HTTP 401, request_id [\w-]+\)\n$")
        self.assertEqual(r.out, "")

    def test_flag_beats_the_environment(self):
        r = self.cli("deployments", "list", "--api-key", "sk-not-a-real-key")
        self.assertEqual(r.code, 1, r)
        self.assertIn("InvalidApiKey", r.err)
        r2 = self.cli("deployments", "list", "--api-key", self.server.api_key,
                      key="sk-not-a-real-key")
        self.assertEqual(r2.code, 0, r2)

    def test_missing_key(self):
        r = self.cli("deployments", "list", key=None)
        self.assertEqual(r.code, 1, r)
        self.assertIn("no API key: set DASHSCOPE_API_KEY or pass --api-key", r.err)

    def test_server_validation_errors(self):
        r = self.cli("deployments", "create", "qwen3-8b", "--capacity", "3")
        self.assertEqual(r.code, 1, r)
        self.assertIn("error: InvalidParameter: Invalid capacity (3)", r.err)
        r = self.cli("deployments", "create", "no-such-model", "--capacity", "2")
        self.assertEqual(r.code, 1, r)
        self.assertIn("NotFound: Model: no-such-model not found!", r.err)
        r = self.cli("deployments", "wait", "no-such-deployment", "--timeout", "5s")
        self.assertEqual(r.code, 1, r)
        self.assertIn("NotFound", r.err)

    def test_local_input_errors_send_nothing(self):
        r = self.cli("deployments", "scale", "x")
        self.assertEqual(r.code, 1, r)
        self.assertIn("give --capacity", r.err)
        r = self.cli("deployments", "update", "x", "--rpm-limit", "lots")
        self.assertEqual(r.code, 1, r)
        self.assertIn("--rpm-limit must be a whole number or 'none'", r.err)
        r = self.cli("deployments", "create", "qwen3-8b", "--capacity", "2", "--wait",
                     "--timeout", "soon")
        self.assertEqual(r.code, 1, r)
        self.assertIn("invalid duration 'soon'", r.err)
        # Nothing was created by the create whose --timeout was bad (this class's server has
        # no successful create anywhere).
        self.assertEqual(self.server.get("/api/v1/deployments").output["deployments"], [])

    def test_connection_refused_names_the_base_url(self):
        s = socket.socket()
        s.bind((h.HOST, 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        base = "http://127.0.0.1:%d/api/v1" % port
        r = self.cli("deployments", "list", env={"DASHSCOPE_HTTP_BASE_URL": base})
        self.assertEqual(r.code, 1, r)
        self.assertIn("cannot reach the berth server at %s" % base, r.err)
        self.assertIn("refused", r.err)

    def test_https_is_refused_clearly(self):
        r = self.cli("deployments", "list", "--base-url", "https://dashscope.aliyuncs.com/api/v1")
        self.assertEqual(r.code, 1, r)
        self.assertIn("https is not supported", r.err)

    def test_help_on_every_command_has_an_example(self):
        commands = [["deployments", c] for c in ("create", "list", "get", "scale", "update",
                                                   "stop", "start", "delete", "events",
                                                   "replicas", "wait")]
        commands += [["models"], ["usage"], ["bill"], ["chat"]]
        commands += [["admin", g, c] for g in ("workspaces", "keys", "models")
                     for c in ("list", "create" if g != "models" else "add")]
        commands += [["admin", "keys", "delete"], ["admin", "models", "delete"]]
        for command in commands:
            r = self.cli(*(command + ["--help"]))
            self.assertEqual(r.code, 0, r)
            self.assertIn("Example:\n  berth " + " ".join(command[:2]), r.out, r)
            self.assertIn("--base-url", r.out, r)


if __name__ == "__main__":
    h.main()
