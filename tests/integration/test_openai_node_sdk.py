#!/usr/bin/env python3
"""The official OpenAI Node SDK (npm `openai`, pinned in node/package-lock.json) against a real
`berth serve --runtime process`: a qwen3-8b deployment (capacity 2) served by engine-sim
processes, called through /compatible-mode/v1 by node/sdk_test.mjs (chat whole and streamed,
with and without stream_options.include_usage, completions, models, 401 and 404 errors).

Needs `node` and `npm` (scripts/deps.sh installs them); without them the test fails with a
message saying so. node_modules is installed with `npm ci` into tests/integration/node the first
time (from the npm registry or npm's cache).
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402
from test_process_runtime import ProcessRuntimeTestCase  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


def run(args, timeout, env=None):
    """Runs a command in NODE_DIR; returns (exit code, combined output)."""
    try:
        proc = subprocess.run(args, cwd=NODE_DIR, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                              start_new_session=True)
    except subprocess.TimeoutExpired as e:
        return None, (e.output or b"").decode(errors="replace") + "\n(timed out after %ss)" % timeout
    return proc.returncode, proc.stdout.decode(errors="replace")


class OpenAiNodeSdkTest(ProcessRuntimeTestCase):
    def setUp(self):
        node, npm = shutil.which("node"), shutil.which("npm")
        if not node or not npm:
            self.fail("node and npm are required for this test (the official OpenAI Node SDK): "
                      "run scripts/deps.sh, or apt-get install -y nodejs npm")
        code, version = run([node, "--version"], timeout=20)
        self.assertEqual(code, 0, version)
        major = int(version.strip().lstrip("v").split(".")[0])
        self.assertGreaterEqual(major, 18, "the openai SDK needs Node 18 or later, found " + version)
        if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "openai")):
            code, out = run([npm, "ci", "--no-audit", "--no-fund"], timeout=180)
            self.assertEqual(code, 0, "npm ci in %s failed:\n%s" % (NODE_DIR, out))
        self.node = node

    def test_sdk_against_berth(self):
        server = self.process_server()
        d = self.create_running(server, {"model_name": "qwen3-8b", "capacity": 2})
        dm = d["deployed_model"]
        env = dict(os.environ)
        env.update({"BERTH_BASE_URL": server.base + "/compatible-mode/v1",
                    "BERTH_API_KEY": server.api_key, "BERTH_MODEL": dm,
                    "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
            env.pop(proxy, None)
        code, out = run([self.node, "sdk_test.mjs"], timeout=120, env=env)
        sys.stderr.write(out)
        self.assertEqual(code, 0, "sdk_test.mjs failed (exit %s):\n%s\nberth log:\n%s"
                         % (code, out, server.log_tail()))


if __name__ == "__main__":
    h.main()
