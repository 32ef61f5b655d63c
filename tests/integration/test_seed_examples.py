#!/usr/bin/env python3
"""Runs every curl example of the seed documents (the API's specification) against berth.

The seeds are copied into tests/integration/seeds/ (the repository must not depend on files
outside it at test time); --seeds DIR points elsewhere. Each `curl ...` command is extracted as
written (backslash continuations, the multi-line --data '...' JSON), its host
https://dashscope-intl.aliyuncs.com is replaced by the local server, DASHSCOPE_API_KEY is set
in its environment, and it runs under `bash -c` exactly as a reader would paste it. Commands
that appear in several seeds (same method, URL, headers and JSON body) run once.

The get/scale/delete examples name deployments such as emo-35b3f106-sample01; the test first
creates a deployment that plays that part and substitutes its real id into the command.
"""

import json
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

SEED_HOST = "https://dashscope-intl.aliyuncs.com"
LORA_MODEL = {"model_name": "qwen3-8b-ft-202511132025-0260", "base_model": "qwen3-8b",
              "plans": ["lora"]}
# The deployments the seeds' get/scale/delete examples talk about, and how to create a
# stand-in for each here. A seed naming an id missing from this table fails loudly.
SEED_IDS = {
    "emo-35b3f106-sample01": {"model_name": "emo", "plan": "cu", "capacity": 1,
                              "suffix": "sample01"},
    "qwen-plus-202305099980-fac9-sample": {"model_name": "qwen-plus-2025-07-28", "plan": "mu",
                                           "deploy_spec": "MU1", "capacity": 4,
                                           "suffix": "sample"},
}
ID_IN_URL = re.compile(r"/api/v1/deployments/([^/\"'?\s]+)")


def default_seed_dir():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def extract_curl_commands(text):
    """Every shell command starting with `curl` at the start of a line, as a single line.

    Follows the shell's rules where the documents need them: a backslash before a newline
    continues the command; a newline inside quotes belongs to the quoted word; an unquoted
    newline ends the command. The documents sometimes glue prose to a command's closing
    quote (`}'Model unit`); a closing quote followed by anything other than whitespace, a
    backslash or another quote therefore ends the command too.
    """
    commands = []
    for m in re.finditer(r"(?m)^[ \t]*(curl\s)", text):
        j = m.start(1)
        out = []
        quote = None
        while j < len(text):
            c = text[j]
            if quote:
                if quote == '"' and c == "\\" and j + 1 < len(text):
                    out.append(text[j:j + 2])
                    j += 2
                    continue
                out.append(c)
                j += 1
                if c == quote:
                    quote = None
                    nxt = text[j] if j < len(text) else "\n"
                    if not (nxt.isspace() or nxt in "\\'\""):
                        break
                continue
            cont = re.match(r"\\[ \t]*\r?\n", text[j:])
            if cont:
                out.append(" ")
                j += cont.end()
                continue
            if c in "\r\n":
                break
            if c in "'\"":
                quote = c
            out.append(c)
            j += 1
        if quote:
            raise ValueError("unterminated quote in curl command: %r" % "".join(out)[:200])
        commands.append("".join(out).strip())
    return commands


class CurlCommand:
    """A parsed seed command: method, URL, headers and JSON body, plus where it came from."""

    def __init__(self, text, source):
        self.text = text
        self.sources = [source]
        args = shlex.split(text)
        assert args[0] == "curl", text
        self.method = None
        self.url = None
        self.headers = []
        self.data = None
        i = 1
        while i < len(args):
            a = args[i]
            if a in ("--request", "-X"):
                self.method = args[i + 1]
                i += 2
            elif a in ("--header", "-H"):
                self.headers.append(args[i + 1])
                i += 2
            elif a in ("--data", "-d", "--data-raw"):
                self.data = args[i + 1]
                i += 2
            elif a.startswith("http://") or a.startswith("https://"):
                self.url = a
                i += 1
            else:
                i += 1
        if self.method is None:
            self.method = "POST" if self.data is not None else "GET"
        self.body = json.loads(self.data) if self.data is not None else None
        path = self.url[len(SEED_HOST):] if self.url.startswith(SEED_HOST) else self.url
        self.path = path
        m = ID_IN_URL.search(path)
        self.seed_id = m.group(1) if m else None
        if self.method == "POST" and path == "/api/v1/deployments":
            self.kind = "create"
        elif self.method == "PUT" and path.endswith("/scale"):
            self.kind = "scale"
        elif self.method == "GET" and self.seed_id:
            self.kind = "get"
        elif self.method == "DELETE" and self.seed_id:
            self.kind = "delete"
        else:
            self.kind = "other"

    def key(self):
        """Identity for de-duplication: what the server would receive."""
        return (self.method, self.url, tuple(sorted(self.headers)),
                json.dumps(self.body, sort_keys=True))

    def __repr__(self):
        return "%s %s (from %s)" % (self.method, self.path, ", ".join(self.sources))


def load_seed_commands(seed_dir):
    files = sorted(f for f in os.listdir(seed_dir) if f.endswith(".txt"))
    per_file = {}
    unique = {}
    for name in files:
        with open(os.path.join(seed_dir, name), encoding="utf-8") as f:
            texts = extract_curl_commands(f.read())
        per_file[name] = texts
        for text in texts:
            cmd = CurlCommand(text, name)
            if cmd.key() in unique:
                unique[cmd.key()].sources.append(name)
            else:
                unique[cmd.key()] = cmd
    return files, per_file, list(unique.values())


class SeedExamplesTest(h.BerthTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        seed_dir = h.ARGS.seeds if h.ARGS and h.ARGS.seeds else default_seed_dir()
        cls.seed_dir = seed_dir
        cls.files, cls.per_file, cls.commands = load_seed_commands(seed_dir)
        server = cls.server
        # The lora example deploys a fine-tune: register it first, as an admin would.
        r = server.post("/api/v1/admin/models", LORA_MODEL)
        assert r.status == 200, r
        # Stand-ins for the deployments the get/scale/delete examples address, all RUNNING.
        cls.real_ids = {}
        for seed_id, body in SEED_IDS.items():
            r = server.create(dict(body))
            assert r.status == 200, r
            cls.real_ids[seed_id] = r.output["deployed_model"]
        for real in cls.real_ids.values():
            r = server.wait_running(real)
            assert r.status == 200 and r.output["status"] == "RUNNING", r

    def run_curl(self, cmd):
        """Runs the seed's command text under bash against the local server; returns
        (http_status, parsed_json_or_None, raw_body)."""
        text = cmd.text.replace(SEED_HOST, self.server.base)
        for seed_id, real in self.real_ids.items():
            text = text.replace("/api/v1/deployments/" + seed_id,
                                "/api/v1/deployments/" + real)
        # Only ever the local server.
        for url in re.findall(r"https?://[^\s\"']+", text):
            self.assertTrue(url.startswith(self.server.base + "/"), url)
        text += " --silent --show-error --noproxy '*' --max-time 15 --write-out '\\n%{http_code}'"
        env = {k: v for k, v in os.environ.items()
               if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
        env["DASHSCOPE_API_KEY"] = self.server.api_key
        proc = subprocess.run(["bash", "-c", text], env=env, capture_output=True, timeout=30)
        self.assertEqual(proc.returncode, 0, "curl failed: %s\n%s" % (proc.stderr, text))
        out = proc.stdout.decode()
        body, _, code = out.rpartition("\n")
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        return int(code), parsed, body

    def commands_of(self, kind):
        found = [c for c in self.commands if c.kind == kind]
        self.assertTrue(found, "no %s example found in the seeds" % kind)
        return found

    def assertEnvelope(self, status, parsed, body):
        self.assertEqual(status, 200, body)
        self.assertIsInstance(parsed, dict, body)
        self.assertIsInstance(parsed.get("request_id"), str, body)
        self.assertNotIn("code", parsed, body)
        self.assertIsInstance(parsed.get("output"), dict, body)
        return parsed["output"]

    # ---- the tests run in name order: extraction, create, scale, get, delete ----------------

    def test_0_every_seed_has_its_curl_examples(self):
        self.assertEqual(len(self.files), 5, self.files)
        for name, texts in self.per_file.items():
            self.assertTrue(texts, "no curl command in " + name)
        kinds = sorted(c.kind for c in self.commands)
        # 3 creates (ptu, mu, lora) in two seeds, de-duplicated; one scale, get and delete.
        self.assertEqual(kinds, ["create", "create", "create", "delete", "get", "scale"],
                         self.commands)
        for c in self.commands:
            self.assertTrue(c.url.startswith(SEED_HOST), c)
            self.assertIn("Authorization: Bearer ${DASHSCOPE_API_KEY}",
                          c.text.replace("$DASHSCOPE_API_KEY", "${DASHSCOPE_API_KEY}"))
            if c.seed_id:
                self.assertIn(c.seed_id, SEED_IDS, "seed id with no stand-in: %r" % c)
        creates = {c.body.get("plan") for c in self.commands if c.kind == "create"}
        self.assertEqual(creates, {"ptu", "mu", "lora"})
        # Both create documents carry the same three examples.
        for c in self.commands:
            if c.kind == "create":
                self.assertEqual(len(c.sources), 2, c)

    def test_1_create_examples(self):
        created = []
        for cmd in self.commands_of("create"):
            with self.subTest(cmd=repr(cmd)):
                status, parsed, body = self.run_curl(cmd)
                out = self.assertEnvelope(status, parsed, body)
                want = cmd.body
                self.assertEqual(out["status"], "PENDING", out)
                self.assertEqual(out["ready_capacity"], 0, out)
                self.assertEqual(out["model_name"], want["model_name"], out)
                self.assertEqual(out["plan"], want["plan"], out)
                self.assertEqual(out["name"], want.get("name", want["model_name"]), out)
                self.assertEqual(out["charge_type"], "post_paid", out)
                if want["plan"] == "ptu":
                    self.assertEqual(out["ptu_capacity"], want["ptu_capacity"], out)
                    self.assertRegex(out["deployed_model"],
                                     "^" + re.escape(want["model_name"]) + "-[0-9a-f]{8}$")
                elif want["plan"] == "mu":
                    self.assertEqual(out["model_unit_spec"], want["deploy_spec"], out)
                    self.assertEqual(out["capacity"], want["capacity"], out)
                    for field in ("enable_thinking", "max_context_length", "rpm_limit",
                                  "tpm_limit"):
                        self.assertEqual(out[field], want[field], field)
                    self.assertEqual(out["capacity"] % out["base_capacity"], 0, out)
                    self.assertNotIn("ptu_capacity", out)
                elif want["plan"] == "lora":
                    self.assertEqual(out["deployed_model"], want["model_name"], out)
                    self.assertEqual(out["capacity"], 1, out)
                    self.assertEqual(out["base_model"], LORA_MODEL["base_model"], out)
                created.append(out["deployed_model"])
        # And each really gets deployed.
        for deployed_model in created:
            r = self.server.wait_running(deployed_model)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.output["status"], "RUNNING", r)

    def test_2_scale_example(self):
        for cmd in self.commands_of("scale"):
            real = self.real_ids[cmd.seed_id]
            with self.subTest(cmd=repr(cmd)):
                before = self.server.get_deployment(real).output
                status, parsed, body = self.run_curl(cmd)
                out = self.assertEnvelope(status, parsed, body)
                self.assertEqual(out["deployed_model"], real)
                self.assertEqual(out["status"], "UPDATING", out)
                self.assertEqual(out["capacity"], cmd.body["capacity"], out)
                self.assertEqual(out["ready_capacity"], before["ready_capacity"], out)
                r = self.server.wait_running(real)
                self.assertEqual(r.output["status"], "RUNNING", r)
                self.assertEqual(r.output["ready_capacity"], cmd.body["capacity"], r)

    def test_3_get_example(self):
        for cmd in self.commands_of("get"):
            real = self.real_ids[cmd.seed_id]
            with self.subTest(cmd=repr(cmd)):
                status, parsed, body = self.run_curl(cmd)
                out = self.assertEnvelope(status, parsed, body)
                self.assertEqual(out["deployed_model"], real)
                self.assertEqual(out["status"], "RUNNING", out)
                self.assertEqual(out["ready_capacity"], out["capacity"], out)
                for field in ("gmt_create", "gmt_modified", "model_name", "base_model",
                              "base_capacity", "workspace_id", "charge_type", "creator",
                              "modifier"):
                    self.assertIn(field, out)

    def test_4_delete_example(self):
        for cmd in self.commands_of("delete"):
            real = self.real_ids[cmd.seed_id]
            with self.subTest(cmd=repr(cmd)):
                status, parsed, body = self.run_curl(cmd)
                out = self.assertEnvelope(status, parsed, body)
                self.assertEqual(out["deployed_model"], real)
                self.assertEqual(out["status"], "DELETING", out)
                r = self.server.wait_gone(real)
                self.assertEqual(r.status, 404, r)
                self.assertEqual(r.code, "NotFound", r)
                self.assertEqual(r.message, "Model: %s not found!" % real, r)


def _options(parser):
    parser.add_argument("--seeds", default=None, help="directory of the seed documents")


if __name__ == "__main__":
    h.main(extra=_options)
