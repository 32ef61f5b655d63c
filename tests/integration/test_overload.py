#!/usr/bin/env python3
"""Overload: `berth serve --max-connections`. With 20 connections held, 40 more are refused at
once (503 or closed), a request at the cap is refused at once rather than left waiting, and once
the connections close berth answers normally again.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402


class ConnectionCapTest(h.BerthTestCase):
    server_args = {"extra_args": ["--max-connections", "20"]}

    def test_connections_over_the_cap_are_refused_and_berth_stays_responsive(self):
        port = self.server.port
        socks = [socket.create_connection((h.HOST, port), timeout=5) for _ in range(60)]
        try:
            refused = 0
            deadline = time.monotonic() + 3
            pending = list(socks)
            while pending and time.monotonic() < deadline and refused < 40:
                for s in list(pending):
                    s.settimeout(0.01)
                    try:
                        data = s.recv(4096)
                    except socket.timeout:
                        continue
                    except ConnectionResetError:
                        data = b""
                    self.assertTrue(data == b"" or data.startswith(b"HTTP/1.1 503"), data)
                    refused += 1
                    pending.remove(s)
            self.assertEqual(refused, 40)
            # At the cap, a request is refused at once rather than left waiting.
            started = time.monotonic()
            try:
                r = self.server.get("/healthz")
                self.assertEqual(r.status, 503)
            except (ConnectionError, OSError):
                pass
            self.assertLess(time.monotonic() - started, 2.0)
        finally:
            for s in socks:
                s.close()
        deadline = time.monotonic() + 5
        while True:
            try:
                r = self.server.get("/healthz")
                if r.status == 200:
                    break
            except (ConnectionError, OSError):
                pass
            self.assertLess(time.monotonic(), deadline, "berth did not recover")
            time.sleep(0.05)
        self.assertOk(self.server.get("/api/v1/deployments"))


if __name__ == "__main__":
    h.main()
