"""A real PostgreSQL 15 (Debian's postgresql-15) for integration tests: initdb in a temporary
directory, the server on a free 127.0.0.1 port with its socket in that directory, run as the
`postgres` user when the tests run as root (the server refuses root), stopped by pid and the
directory removed when the test process exits. `fresh_database()` gives each berth its own
database; `stop()` / `start()` take the server away and bring it back on the same port."""

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

BIN = "/usr/lib/postgresql/15/bin/"
_SHARED = None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres():
    """preexec_fn dropping to the postgres user when we are root."""
    if os.geteuid() != 0:
        return None
    user = pwd.getpwnam("postgres")

    def drop():
        os.setsid()
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    return drop


class PostgresServer:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="berth-pg-")
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self.port = _free_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")
        self._databases = 0
        self._run([BIN + "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                   "--locale=C", "--no-sync"])
        self.start()
        atexit.register(self.cleanup)

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    def _run(self, args):
        with open(self.log_path, "ab") as log:
            r = subprocess.run(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                               preexec_fn=_as_postgres(), timeout=120)
        if r.returncode != 0:
            raise RuntimeError("%s failed:\n%s" % (args[0], self.log_tail()))

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def url(self, database="postgres"):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port, database)

    def psql(self, sql, database="postgres"):
        return subprocess.run([BIN + "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                               "-d", self.url(database), "-c", sql], capture_output=True,
                              text=True, timeout=60, check=True).stdout

    def start(self, timeout=30.0):
        # fsync off: test data need not survive a power cut, and the disk is shared.
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN + "postgres", "-D", self.data, "-p", str(self.port), "-k", self.dir,
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
             "-c", "full_page_writes=off", "-c", "max_connections=300"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, preexec_fn=_as_postgres())
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            r = subprocess.run([BIN + "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)])
            if r.returncode == 0:
                return self
            time.sleep(0.05)
        raise RuntimeError("postgres did not start:\n" + self.log_tail())

    def stop(self):
        """Fast shutdown (SIGINT): clients are disconnected, then the server exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def fresh_database(self):
        self._databases += 1
        name = "it_%d_%d" % (os.getpid(), self._databases)
        self.psql("CREATE DATABASE " + name)
        return self.url(name)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def shared():
    """The server of this test process, started at first use."""
    global _SHARED
    if _SHARED is None:
        _SHARED = PostgresServer()
    return _SHARED
