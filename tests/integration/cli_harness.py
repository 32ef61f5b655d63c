"""Running the `berth` client commands in integration tests (Python 3 standard library only).

`run_cli(server, args)` runs the berth binary as a client of `server` (a BerthServer) with
DASHSCOPE_API_KEY / DASHSCOPE_HTTP_BASE_URL set as a user would, stdout and stderr captured
(so neither is a terminal: no colour, plain progress lines), and returns a CliResult.
"""

import json
import os
import subprocess

import berth_harness as h


class CliResult:
    def __init__(self, args, proc):
        self.args = args
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    @property
    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "berth %s → exit %s\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(self.args), self.code, self.out[-3000:], self.err[-3000:])


def run_cli(server, args, key="default", env=None, stdin=None, timeout=60):
    """Runs `berth ARGS` against `server`. key: "default" = the server's admin key, None = no
    DASHSCOPE_API_KEY in the environment."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("BERTH_", "DASHSCOPE_")) and k != "NO_COLOR"}
    environ["DASHSCOPE_HTTP_BASE_URL"] = server.base + "/api/v1" if server else ""
    if key == "default":
        key = server.api_key
    if key is not None:
        environ["DASHSCOPE_API_KEY"] = key
    environ.update(env or {})
    proc = subprocess.run([h.berth_binary()] + list(args), env=environ, input=stdin,
                          capture_output=True, text=True, timeout=timeout)
    return CliResult(args, proc)
