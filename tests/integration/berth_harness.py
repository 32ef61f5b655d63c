"""Shared harness for berth's integration tests (Python 3 standard library only).

Starts a real `berth serve` on 127.0.0.1 (port 0, a free port) in a temporary data directory,
waits for its "berth listening on http://127.0.0.1:PORT ..." line, and offers request helpers.
The server can be killed (SIGKILL), stopped (SIGTERM) and restarted on the same data directory.
Every server started here is stopped when its test finishes, when the process exits, and when
the whole run exceeds its time budget (a watchdog), so no test leaves a berth behind.

Each test file calls `main()`, which understands:
  --berth PATH      the berth binary (default: $BERTH_BINARY, else <repo>/build/berth)
  --budget SECONDS  hard limit for the whole file (default 280; ctest's TIMEOUT is 300)
and passes the remaining arguments to unittest.
"""

import argparse
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import weakref

import openapi_check

HOST = "127.0.0.1"
ADMIN_KEY = "sk-integration-admin-0001"
LISTEN_RE = re.compile(r"berth listening on http://127\.0\.0\.1:(\d+)")

BERTH_BINARY = None  # set by main()
ARGS = None  # the parsed harness options (see parse_args)
_LIVE_SERVERS = weakref.WeakSet()


def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def berth_binary():
    if BERTH_BINARY:
        return BERTH_BINARY
    return os.environ.get("BERTH_BINARY") or os.path.join(repo_root(), "build", "berth")


class Response:
    """What a client sees: status, headers (lower-case names), raw text and parsed JSON."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.text = raw.decode("utf-8", errors="replace")
        try:
            self.json = json.loads(self.text) if self.text else None
        except ValueError:
            self.json = None

    @property
    def output(self):
        return (self.json or {}).get("output")

    @property
    def code(self):
        return (self.json or {}).get("code")

    @property
    def message(self):
        return (self.json or {}).get("message")

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "Response(%d, %s)" % (self.status, self.text[:500])


class ServerDied(ConnectionRefusedError):
    """The server under test exited on its own (crashed)."""


def kill_engines(data_dir):
    """SIGKILLs every engine process group the data dir's state file records: engines
    outlive berth by design, so a test that started them must end them."""
    try:
        with open(os.path.join(data_dir, "replicas", "state.json")) as f:
            records = json.load(f)["replicas"]
    except (OSError, ValueError, KeyError):
        records = []
    for r in records:
        pgid = r.get("pgid", 0)
        try:
            with open("/proc/%d/cmdline" % pgid, "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue  # gone already
        if pgid > 1 and r.get("command") and argv0 == r["command"][0]:  # not a reused pid
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass


class BerthServer:
    """One `berth serve` process and its data directory."""

    def __init__(self, data_dir=None, api_key=ADMIN_KEY, sim_ready_ms=200, extra_args=(),
                 binary=None, runtime="sim", store=None):
        self._tmp = tempfile.mkdtemp(prefix="berth-it-")
        self.data_dir = data_dir or os.path.join(self._tmp, "data")
        self.log_path = os.path.join(self._tmp, "berth.log")
        self.api_key = api_key
        self.sim_ready_ms = sim_ready_ms
        # berth's default runtime starts engine processes; tests that do not look at processes
        # use the in-memory sim runtime (test_process_runtime.py passes runtime="process").
        self.runtime = runtime
        self.extra_args = list(extra_args)
        # --store: None for SQLite in data_dir, or a postgresql:// URL. With BERTH_IT_POSTGRES=1
        # every server gets a fresh database on this process's PostgreSQL (pg_harness.py).
        self.store = store
        self.binary = binary or berth_binary()
        self.proc = None
        self._stopped_on_purpose = False
        self.port = None
        self.base = None
        self.starts = 0
        self._stdout_lines = []
        _LIVE_SERVERS.add(self)

    # ---- process control -------------------------------------------------------------------

    def start(self, timeout=20.0):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._close_stdout()
        if not os.path.exists(self.binary):
            raise RuntimeError("berth binary not found: %s (pass --berth PATH)" % self.binary)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
        args = [self.binary, "serve", "--listen", HOST + ":0", "--data-dir", self.data_dir,
                "--sim-ready-ms", str(self.sim_ready_ms), "--runtime", self.runtime]
        if self.api_key:
            args += ["--api-key", self.api_key]
        if self.store is None and os.environ.get("BERTH_IT_POSTGRES") == "1":
            import pg_harness  # only the runs on PostgreSQL need a server
            self.store = pg_harness.shared().fresh_database()
        if self.store:
            args += ["--store", self.store]
        args += self.extra_args
        log = open(self.log_path, "ab")
        log.write(("\n=== start %d: %s\n" % (self.starts + 1, " ".join(args))).encode())
        log.flush()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log,
                                     stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        line = self._read_line(deadline)
        m = LISTEN_RE.search(line or "")
        if not m:
            self.kill()
            raise RuntimeError("berth did not print its listening line (got %r); log:\n%s"
                               % (line, self.log_tail()))
        self.port = int(m.group(1))
        self.base = "http://%s:%d" % (HOST, self.port)
        # Keep draining stdout so the server can never block on a full pipe.
        threading.Thread(target=self._drain_stdout, args=(self.proc,), daemon=True).start()
        return self

    def _read_line(self, deadline):
        buf = b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                chunk = os.read(fd, 1)
                if not chunk:
                    break
                if chunk == b"\n":
                    return buf.decode(errors="replace")
                buf += chunk
            elif self.proc.poll() is not None:
                break
        return buf.decode(errors="replace")

    def _drain_stdout(self, proc):
        try:
            for line in proc.stdout:
                self._stdout_lines.append(line.decode(errors="replace"))
        except (OSError, ValueError):
            pass

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """SIGKILL: the crash case. Returns once the process is gone."""
        self._stopped_on_purpose = True
        if self.running():
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    kill = kill9

    def terminate(self, timeout=10.0):
        """SIGTERM and wait; returns the exit code (None if it did not exit in time)."""
        self._stopped_on_purpose = True
        if not self.running():
            return self.proc.returncode if self.proc else None
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """Always leaves the process dead: SIGTERM, then SIGKILL if it lingers."""
        if self.proc is None:
            return
        if self.running():
            if self.terminate(timeout=10.0) is None:
                self.kill9()
        self._close_stdout()

    def _close_stdout(self):
        if self.proc is not None and self.proc.stdout is not None:
            try:
                self.proc.stdout.close()
            except (OSError, ValueError):
                pass

    def restart(self, timeout=20.0):
        self.stop()
        return self.start(timeout=timeout)

    def kill_engines(self):
        kill_engines(self.data_dir)

    def cleanup(self):
        if self.proc is not None and not self._stopped_on_purpose and not self.running():
            sys.stderr.write("\nberth (pid %d) exited on its own with code %s; log tail:\n%s\n"
                             % (self.proc.pid, self.proc.returncode, self.log_tail()))
        self.stop()
        self.kill_engines()
        if os.environ.get("BERTH_IT_KEEP"):
            sys.stderr.write("kept %s\n" % self._tmp)
        else:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # ---- HTTP --------------------------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, key="default", raw_body=None,
                timeout=15.0, content_type="application/json"):
        """One request on a fresh connection. `body` is JSON-encoded unless `raw_body` (bytes
        or str) is given. `key`: "default" = the admin key, None = no Authorization header."""
        hdrs = {}
        if key == "default":
            key = self.api_key
        if key is not None:
            hdrs["Authorization"] = "Bearer " + key
        data = None
        if raw_body is not None:
            data = raw_body.encode() if isinstance(raw_body, str) else raw_body
        elif body is not None:
            data = json.dumps(body).encode()
        if data is not None and content_type:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            try:
                conn.request(method, path, body=data, headers=hdrs)
            except ConnectionRefusedError:
                if self.proc is not None and not self.running() and not self._stopped_on_purpose:
                    raise ServerDied("berth (pid %d) is not running: it exited with code %s; "
                                     "log tail:\n%s" % (self.proc.pid, self.proc.returncode,
                                                         self.log_tail(60)))
                raise
            resp = conn.getresponse()
            raw = resp.read()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            # Every response a test sees must match the API's OpenAPI document.
            openapi_check.check_response(method, path, resp.status, headers, raw)
            return Response(resp.status, headers, raw)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # ---- deployment helpers ------------------------------------------------------------------

    def create(self, body, **kw):
        return self.post("/api/v1/deployments", body, **kw)

    def get_deployment(self, deployed_model, **kw):
        return self.get("/api/v1/deployments/" + deployed_model, **kw)

    def wait_for(self, deployed_model, predicate, timeout=20.0, interval=0.05, **kw):
        """Polls GET until predicate(response) holds; returns that response or the last one
        seen (the caller asserts)."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = self.get_deployment(deployed_model, **kw)
            if predicate(last):
                return last
            if time.monotonic() > deadline:
                return last
            time.sleep(interval)

    def wait_status(self, deployed_model, status, timeout=20.0, **kw):
        return self.wait_for(
            deployed_model,
            lambda r: r.status == 200 and r.output["status"] == status, timeout=timeout, **kw)

    def wait_running(self, deployed_model, timeout=20.0, **kw):
        """RUNNING with every unit ready."""
        return self.wait_for(
            deployed_model,
            lambda r: r.status == 200 and r.output["status"] == "RUNNING"
            and r.output["ready_capacity"] == r.output["capacity"], timeout=timeout, **kw)

    def wait_gone(self, deployed_model, timeout=20.0, **kw):
        return self.wait_for(deployed_model, lambda r: r.status == 404, timeout=timeout, **kw)

    def events(self, deployed_model, **kw):
        return self.get("/api/v1/deployments/%s/events" % deployed_model, **kw)


def wait_until(predicate, timeout=30.0, interval=0.05):
    """Polls `predicate` until it returns something true or `timeout` seconds pass; returns its
    last value (so a failed wait can be asserted on, and shown)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def raw_exchange(port, data, read_timeout=5.0, chunks=()):
    """Sends raw bytes on a new socket and returns everything read until the peer closes or
    read_timeout passes without data. Returns (bytes, closed_by_peer)."""
    s = socket.create_connection((HOST, port), timeout=5)
    try:
        s.sendall(data)
        for chunk in chunks:
            s.sendall(chunk)
        s.settimeout(read_timeout)
        out = b""
        while True:
            try:
                got = s.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not got:
                return out, True
            out += got
    finally:
        s.close()


def parse_raw_response(raw):
    """Status code and JSON body of a raw HTTP/1.1 response (None, None if unparsable)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if not m:
        return None, None
    try:
        parsed = json.loads(body.decode()) if body else None
    except ValueError:
        parsed = None
    return int(m.group(1)), parsed


class BerthTestCase(unittest.TestCase):
    """Base class: `self.server` is a running berth shared by the class's tests (started in
    setUpClass, stopped in tearDownClass). Use `new_server()` for a private one."""

    server_args = {}
    shared_server = True

    @classmethod
    def setUpClass(cls):
        cls.server = None
        if cls.shared_server:
            cls.server = BerthServer(**cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.cleanup()

    def new_server(self, **kw):
        server = BerthServer(**kw).start()
        self.addCleanup(server.cleanup)
        return server

    # ---- assertions on what a user sees -----------------------------------------------------

    def assertOk(self, resp, msg=None):
        """200 with the success envelope: request_id, output, no code."""
        self.assertEqual(resp.status, 200, msg or resp)
        self.assertIsInstance(resp.json, dict, resp)
        self.assertIsInstance(resp.json.get("request_id"), str, resp)
        self.assertTrue(resp.json["request_id"], resp)
        self.assertIn("output", resp.json, resp)
        self.assertNotIn("code", resp.json, resp)
        self.assertEqual(resp.header("X-Request-Id"), resp.json["request_id"], resp)
        return resp.output

    def assertError(self, resp, status, code, message=None, contains=None):
        """The error envelope: {request_id, code, message} with the given status."""
        self.assertEqual(resp.status, status, resp)
        self.assertIsInstance(resp.json, dict, resp)
        self.assertEqual(resp.json.get("code"), code, resp)
        self.assertIsInstance(resp.json.get("request_id"), str, resp)
        self.assertTrue(resp.json["request_id"], resp)
        self.assertIsInstance(resp.json.get("message"), str, resp)
        self.assertNotIn("output", resp.json, resp)
        if message is not None:
            self.assertEqual(resp.json["message"], message, resp)
        if contains is not None:
            for part in [contains] if isinstance(contains, str) else contains:
                self.assertIn(part, resp.json["message"], resp)
        return resp.json

    def assertDeploymentShape(self, d):
        """Every base field a client reads is present with the right type."""
        for field in ("deployed_model", "name", "gmt_create", "gmt_modified", "status",
                      "model_name", "base_model", "workspace_id", "charge_type", "creator",
                      "modifier", "plan"):
            self.assertIsInstance(d.get(field), str, "%s in %s" % (field, d))
        for field in ("base_capacity", "capacity", "ready_capacity"):
            self.assertIsInstance(d.get(field), int, "%s in %s" % (field, d))
        self.assertIn(d["status"], ("PENDING", "RUNNING", "UPDATING", "UPDATING_FAILED",
                                    "STOPPED", "DELETING", "FAILED"), d)
        self.assertRegex(d["gmt_create"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")
        self.assertRegex(d["gmt_modified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")
        self.assertEqual(d["charge_type"], "post_paid", d)
        self.assertTrue(d["workspace_id"].startswith("llm-"), d)


def _watchdog(budget):
    def fire():
        sys.stderr.write("\nberth integration: time budget of %ss exceeded; stopping\n" % budget)
        for server in list(_LIVE_SERVERS):
            try:
                server.kill9()
                sys.stderr.write("--- berth log tail ---\n%s\n" % server.log_tail())
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
        sys.stderr.flush()
        os._exit(2)

    timer = threading.Timer(budget, fire)
    timer.daemon = True
    timer.start()


def _stop_all():
    for server in list(_LIVE_SERVERS):
        try:
            server.cleanup()
        except Exception:  # noqa: BLE001
            pass


def parse_args(argv=None, extra=None):
    """Parses --berth and --budget (and any `extra(parser)` options); returns (args, rest)."""
    global BERTH_BINARY, ARGS
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--berth", default=None)
    parser.add_argument("--budget", type=float, default=280.0)
    if extra:
        extra(parser)
    args, rest = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    ARGS = args
    if args.berth:
        BERTH_BINARY = os.path.abspath(args.berth)
    return args, rest


def main(extra=None):
    import atexit
    args, rest = parse_args(extra=extra)
    atexit.register(_stop_all)
    _watchdog(args.budget)
    started = time.monotonic()
    program = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, exit=False,
                            verbosity=2)
    sys.stderr.write("elapsed %.1fs\n" % (time.monotonic() - started))
    _stop_all()
    sys.exit(0 if program.result.wasSuccessful() else 1)
