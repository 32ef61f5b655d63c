#!/usr/bin/env python3
"""Hostile and broken clients: oversized bodies, wrong content types, unknown routes and
methods, odd and encoded ids, malformed percent-encoding, slow clients (slowloris) and bytes
that are not HTTP. Each must get a clean answer (or a closed connection) while the server
keeps serving everyone else, and nothing stored may be lost or damaged.

The slow-client checks use `berth serve --header-timeout-ms/--body-timeout-ms` to keep the run
short; one check runs against the 10 s default."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

DEPLOYMENTS = "/api/v1/deployments"
HEADER_TIMEOUT_MS = 1000
BODY_TIMEOUT_MS = 1500
MIB = 1 << 20


def send_and_read(port, data, read_timeout=10.0):
    """Sends `data` from a background thread (the server may answer and close before it has
    read everything) while reading the answer. Returns (raw_response, closed_by_peer)."""
    s = socket.create_connection((h.HOST, port), timeout=10)

    def writer():
        try:
            s.sendall(data)
        except OSError:
            pass

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    s.settimeout(read_timeout)
    out = b""
    closed = False
    try:
        while True:
            try:
                got = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not got:
                closed = True
                break
            out += got
    finally:
        t.join(timeout=5)
        s.close()
    return out, closed


def request_bytes(method, path, key, body=b"", content_type="application/json", extra=b""):
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            % (method, path, key)).encode()
    if body:
        head += ("Content-Type: %s\r\nContent-Length: %d\r\n" % (content_type, len(body))).encode()
    return head + extra + b"Connection: close\r\n\r\n" + body


class BadInputTest(h.BerthTestCase):
    server_args = {"extra_args": ["--header-timeout-ms", str(HEADER_TIMEOUT_MS),
                                  "--body-timeout-ms", str(BODY_TIMEOUT_MS)]}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.expected = {}
        for body in ({"model_name": "qwen3-8b", "capacity": 2},
                     {"model_name": "qwen3-8b", "capacity": 4, "suffix": "b"},
                     {"model_name": "emo", "plan": "cu", "capacity": 1, "suffix": "sample01"},
                     {"model_name": "qwen-flash-2025-07-28", "plan": "ptu"},
                     {"model_name": "qwen-plus-2025-12-01", "capacity": 4, "rpm_limit": 10}):
            r = s.create(body)
            assert r.status == 200, r
            cls.expected[r.output["deployed_model"]] = None
        for deployed_model in cls.expected:
            r = s.wait_running(deployed_model)
            assert r.status == 200 and r.output["status"] == "RUNNING", r
            cls.expected[deployed_model] = r.output
        cls.first = next(iter(cls.expected))

    def assertServing(self):
        """The server still answers a normal request promptly."""
        started = time.monotonic()
        r = self.server.get(DEPLOYMENTS + "?page_size=1")
        self.assertOk(r)
        self.assertLess(time.monotonic() - started, 3.0)

    def assertRawError(self, raw, status, code=None):
        got_status, body = h.parse_raw_response(raw)
        self.assertEqual(got_status, status, raw[:300])
        if code is not None:
            self.assertIsInstance(body, dict, raw[:300])
            self.assertEqual(body.get("code"), code, raw[:300])
            self.assertIsInstance(body.get("message"), str, raw[:300])
            self.assertTrue(body.get("request_id"), raw[:300])
            # Even errors the HTTP layer produces itself carry the id as a header.
            self.assertIn(b"\r\nx-request-id: " + body["request_id"].encode() + b"\r\n",
                          raw.split(b"\r\n\r\n", 1)[0].lower() + b"\r\n", raw[:300])
        return body

    # ---- size ---------------------------------------------------------------------------------

    def test_huge_body_is_413_and_server_keeps_serving(self):
        big = b'{"model_name":"qwen3-8b","capacity":2,"suffix":"huge","pad":"' + \
            b"x" * (MIB + 10) + b'"}'
        raw, _ = send_and_read(self.server.port,
                               request_bytes("POST", DEPLOYMENTS, self.server.api_key, big))
        body = self.assertRawError(raw, 413, "BadRequest.TooLarge")
        self.assertIn("1048576", body["message"])
        self.assertServing()
        # The same through an ordinary client library.
        r = self.server.request("POST", DEPLOYMENTS, raw_body=big)
        self.assertError(r, 413, "BadRequest.TooLarge")
        # Chunked, so the size is only known while reading.
        chunk = b"y" * 65536
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
        head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                % (DEPLOYMENTS, self.server.api_key)).encode()
        raw, _ = send_and_read(self.server.port, head + chunked)
        self.assertRawError(raw, 413, "BadRequest.TooLarge")
        self.assertServing()
        r = self.server.get(DEPLOYMENTS + "/" + self.first.rsplit("-", 1)[0] + "-huge")
        self.assertEqual(r.status, 404)

    def test_body_of_exactly_the_limit_is_accepted(self):
        prefix = b'{"model_name":"qwen3-8b","capacity":2,"suffix":"limit","pad":"'
        body = prefix + b"x" * (MIB - len(prefix) - 2) + b'"}'
        self.assertEqual(len(body), MIB)
        r = self.server.request("POST", DEPLOYMENTS, raw_body=body)
        out = self.assertOk(r)
        self.assertTrue(out["deployed_model"].endswith("-limit"))
        self.__class__.expected[out["deployed_model"]] = "created by the limit test"

    def test_header_too_large_is_431(self):
        raw, _ = send_and_read(self.server.port,
                               request_bytes("GET", DEPLOYMENTS, self.server.api_key,
                                             extra=b"X-Big: " + b"z" * (32 << 10) + b"\r\n"))
        body = self.assertRawError(raw, 431, "InvalidParameter")
        self.assertIn("16384", body["message"])
        self.assertServing()

    # ---- HTTP framing and targets (RFC 9112) ---------------------------------------------------

    def test_transfer_codings_berth_does_not_implement_are_refused(self):
        body = b'{"model_name":"qwen3-8b","capacity":2,"suffix":"te"}'
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        cases = [(b"chunked, chunked", 400), (b"chunked, gzip", 400), (b"gzip", 400),
                 (b"gzip, chunked", 501), (b"x-unknown, chunked", 501)]
        for coding, status in cases:
            with self.subTest(coding=coding):
                head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                        "Content-Type: application/json\r\n" % (DEPLOYMENTS, self.server.api_key)
                        ).encode() + b"Transfer-Encoding: " + coding + b"\r\n\r\n"
                raw, closed = send_and_read(self.server.port, head + chunked)
                self.assertRawError(raw, status, "InvalidParameter")
                self.assertTrue(closed)
        # None of them was read as a request without a body, or created anything.
        r = self.server.get(DEPLOYMENTS + "/" + self.first.rsplit("-", 1)[0] + "-te")
        self.assertEqual(r.status, 404)
        self.assertServing()

    def test_a_request_without_host_is_400(self):
        raw, closed = send_and_read(
            self.server.port, ("GET %s HTTP/1.1\r\nAuthorization: Bearer %s\r\n\r\n"
                               % (DEPLOYMENTS, self.server.api_key)).encode())
        body = self.assertRawError(raw, 400, "InvalidParameter")
        self.assertIn("Host", body["message"])
        self.assertTrue(closed)

    def test_absolute_form_target_is_routed_by_its_path(self):
        target = "http://127.0.0.1:%d%s?page_size=1" % (self.server.port, DEPLOYMENTS)
        raw, _ = send_and_read(self.server.port, request_bytes("GET", target, self.server.api_key))
        status, body = h.parse_raw_response(raw)
        self.assertEqual(status, 200, raw[:300])
        self.assertEqual(body["output"]["page_size"], 1)

    # ---- content type, routes, methods ------------------------------------------------------

    def test_deeply_nested_json_is_400_on_every_json_route(self):
        # ~90,000 levels used to overflow berth's stack in a recursive copy or dump (any key).
        deep = b"[" * 90000 + b"]" * 90000
        ptu = next(d for d, out in self.expected.items()
                   if isinstance(out, dict) and out["plan"] == "ptu")
        native = "/api/v1/services/aigc/text-generation/generation"
        cases = [
            ("POST", DEPLOYMENTS, b'{"model_name":"qwen3-8b","capacity":' + deep + b"}",
             "capacity"),
            ("PUT", DEPLOYMENTS + "/" + ptu + "/scale", b'{"capacity":' + deep + b"}", "capacity"),
            ("PUT", DEPLOYMENTS + "/" + ptu + "/scale", b'{"ptu_capacity":' + deep + b"}",
             "ptu_capacity"),
            ("POST", "/compatible-mode/v1/chat/completions",
             b'{"model":"%s","messages":[{"role":"user","content":%s}]}' % (ptu.encode(), deep),
             "messages"),
            ("POST", "/compatible-mode/v1/completions",
             b'{"model":"%s","prompt":%s}' % (ptu.encode(), deep), "prompt"),
            ("POST", native, b'{"model":"%s","input":{"prompt":"x"},"parameters":%s}'
             % (ptu.encode(), deep), "parameters"),
        ]
        for method, path, body, field in cases:
            r = self.server.request(method, path, raw_body=body)
            self.assertEqual(r.status, 400, (path, r))
            self.assertIn("nests JSON deeper than 128 levels (in %s)" % field, r.text, path)
        self.assertServing()
        r = self.server.request("POST", DEPLOYMENTS,
                                raw_body=b'{"model_name":"qwen3-8b","capacity":1E400}')
        self.assertError(r, 400, "InvalidParameter", "capacity is a number out of range: 1E400")
        self.assertServing()

    def test_wrong_content_type(self):
        body = '{"model_name":"qwen3-8b","capacity":2,"suffix":"ctype"}'
        r = self.server.request("POST", DEPLOYMENTS, raw_body=body, content_type="text/plain")
        self.assertError(r, 400, "InvalidParameter", contains="Content-Type")
        r = self.server.request("POST", DEPLOYMENTS, raw_body=body,
                                content_type="application/x-www-form-urlencoded")
        self.assertError(r, 400, "InvalidParameter", contains="Content-Type")
        r = self.server.request("POST", DEPLOYMENTS, raw_body=body, content_type=None)
        self.assertError(r, 400, "InvalidParameter", contains="Content-Type")
        r = self.server.request("PUT", DEPLOYMENTS + "/" + self.first + "/scale",
                                raw_body='{"capacity":4}', content_type="text/plain")
        self.assertError(r, 400, "InvalidParameter", contains="Content-Type")
        # None of it took effect.
        listed = self.assertOk(self.server.get(DEPLOYMENTS + "?page_size=200"))
        self.assertNotIn("ctype", [d["deployed_model"].rsplit("-", 1)[-1]
                                   for d in listed["deployments"]])
        self.assertEqual(self.server.get_deployment(self.first).output["capacity"], 2)

    def test_unknown_routes_are_404(self):
        # ("/" is the web console: tests/integration/test_openapi.py)
        for path in ("/api/v1/nope", "/api/v2/deployments", "/favicon.ico",
                     "/api/v1/deployments/x/y/z", "/api/v1/deployments/x/explode", "/healthz/extra"):
            with self.subTest(path=path):
                r = self.server.get(path)
                self.assertError(r, 404, "NotFound", message="No route for GET " + path)

    def test_wrong_method_is_405(self):
        cases = [("PATCH", DEPLOYMENTS, {"POST", "GET"}),
                 ("DELETE", DEPLOYMENTS, {"POST", "GET"}),
                 ("PUT", DEPLOYMENTS, {"POST", "GET"}),
                 ("POST", DEPLOYMENTS + "/" + self.first, {"GET", "DELETE"}),
                 ("GET", DEPLOYMENTS + "/" + self.first + "/scale", {"PUT"}),
                 ("POST", "/healthz", {"GET"})]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path, body={})
                self.assertError(r, 405, "MethodNotAllowed", contains=method)
                self.assertEqual({m.strip() for m in r.header("Allow").split(",")}, allowed)
        self.assertEqual(self.server.get_deployment(self.first).output["status"], "RUNNING")

    def test_head_is_served_like_get(self):
        """RFC 9110 9.1: a general-purpose server supports HEAD wherever it supports GET (load
        balancers probe health with HEAD). Same status and headers, no body."""
        for path in ("/healthz", DEPLOYMENTS, DEPLOYMENTS + "/" + self.first):
            with self.subTest(path=path):
                get = self.server.get(path)
                head = self.server.request("HEAD", path)
                self.assertEqual(head.status, get.status, head)
                self.assertEqual(head.raw, b"")
                self.assertTrue(head.header("X-Request-Id"))
        self.assertServing()

    def test_expect_continue_and_chunked_bodies(self):
        """curl sends `Expect: 100-continue` for larger bodies; other clients send chunked."""
        body = b'{"model_name":"qwen3-8b","capacity":2,"suffix":"expect"}'
        s = socket.create_connection((h.HOST, self.server.port), timeout=10)
        try:
            s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                       "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                       "Content-Length: %d\r\nConnection: close\r\n\r\n"
                       % (DEPLOYMENTS, self.server.api_key, len(body))).encode())
            s.settimeout(5)
            self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 100 Continue\r\n"))
            s.sendall(body)
            out = b""
            while True:
                got = s.recv(65536)
                if not got:
                    break
                out += got
        finally:
            s.close()
        status, parsed = h.parse_raw_response(out)
        self.assertEqual(status, 200, out[:300])
        self.assertTrue(parsed["output"]["deployed_model"].endswith("-expect"))
        self.__class__.expected[parsed["output"]["deployed_model"]] = "expect-continue"
        # Over the limit with Expect: refused before the body is sent.
        raw, _ = send_and_read(self.server.port,
                               ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                                "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                                "Content-Length: %d\r\n\r\n"
                                % (DEPLOYMENTS, self.server.api_key, 2 * MIB)).encode())
        self.assertRawError(raw, 413, "BadRequest.TooLarge")
        # A small chunked body is fine.
        body = b'{"model_name":"qwen3-8b","capacity":2,"suffix":"chunked"}'
        chunked = b"%x\r\n%s\r\n" % (10, body[:10]) + \
            b"%x\r\n%s\r\n" % (len(body) - 10, body[10:]) + b"0\r\n\r\n"
        raw, _ = send_and_read(self.server.port,
                               ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                                "Content-Type: application/json\r\nTransfer-Encoding: chunked"
                                "\r\nConnection: close\r\n\r\n"
                                % (DEPLOYMENTS, self.server.api_key)).encode() + chunked)
        status, parsed = h.parse_raw_response(raw)
        self.assertEqual(status, 200, raw[:300])
        self.__class__.expected[parsed["output"]["deployed_model"]] = "chunked"

    # ---- ids in paths -------------------------------------------------------------------------

    def test_url_encoded_ids(self):
        for encoded, decoded in (("qwen3-8b-ft%2Dx", "qwen3-8b-ft-x"),
                                 ("model%2Ftest", "model/test"),
                                 ("model%2ftest", "model/test"),
                                 ("a%20b", "a b"),
                                 ("a+b", "a+b"),
                                 ("%41%42", "AB")):
            with self.subTest(id=encoded):
                r = self.server.get(DEPLOYMENTS + "/" + encoded)
                self.assertError(r, 404, "NotFound", message="Model: %s not found!" % decoded)
        # An existing id, fully percent-encoded, names the same deployment.
        encoded = "".join("%%%02X" % ord(c) for c in self.first)
        out = self.assertOk(self.server.get(DEPLOYMENTS + "/" + encoded))
        self.assertEqual(out["deployed_model"], self.first)
        out = self.assertOk(self.server.get(DEPLOYMENTS + "/" + encoded + "/events"))
        self.assertEqual(out["deployed_model"], self.first)

    def test_odd_ids(self):
        cases = [("a%00b", "a\x00b"),
                 ("caf%C3%A9", "caf\u00e9"),
                 ("%E2%9C%93%F0%9F%9A%80", "\u2713\U0001F680"),
                 ("x" * 5000, "x" * 5000),
                 ("..", ".."),
                 ("%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "../../etc/passwd"),
                 ("'%3B%20DROP%20TABLE%20deployments%3B--", "'; DROP TABLE deployments;--")]
        for encoded, decoded in cases:
            with self.subTest(id=encoded[:40]):
                r = self.server.get(DEPLOYMENTS + "/" + encoded)
                self.assertError(r, 404, "NotFound", message="Model: %s not found!" % decoded)
                r = self.server.put(DEPLOYMENTS + "/" + encoded + "/scale", {"capacity": 2})
                self.assertError(r, 404, "NotFound")
                r = self.server.delete(DEPLOYMENTS + "/" + encoded)
                self.assertError(r, 404, "NotFound")
        # Invalid UTF-8 after decoding: still a clean answer with a JSON body.
        r = self.server.get(DEPLOYMENTS + "/bad%FF%FEutf8")
        self.assertError(r, 404, "NotFound")
        # Raw (not percent-encoded) non-ASCII bytes in the request line.
        raw, _ = send_and_read(self.server.port,
                               b"GET /api/v1/deployments/caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n"
                               b"Authorization: Bearer " + self.server.api_key.encode() +
                               b"\r\nConnection: close\r\n\r\n")
        status, _ = h.parse_raw_response(raw)
        self.assertIn(status, (400, 404), raw[:300])
        self.assertServing()

    def test_malformed_percent_encoding_is_400(self):
        for path in ("x%zz", "x%", "x%4", "%g0abc"):
            with self.subTest(path=path):
                r = self.server.get(DEPLOYMENTS + "/" + path)
                self.assertError(r, 400, "InvalidParameter", contains="percent-encoding")
        r = self.server.get(DEPLOYMENTS + "?page_size=%zz")
        self.assertError(r, 400, "InvalidParameter")
        self.assertServing()

    # ---- slow and broken clients --------------------------------------------------------------

    def test_slow_header_is_cut_off_while_others_are_served(self):
        s = socket.create_connection((h.HOST, self.server.port), timeout=10)
        try:
            started = time.monotonic()
            s.sendall(b"GET /api/v1/deployments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz")
            # Meanwhile everyone else is served, promptly.
            for _ in range(3):
                self.assertServing()
            out = b""
            s.settimeout(HEADER_TIMEOUT_MS / 1000 + 5)
            while True:
                try:
                    got = s.recv(65536)
                except ConnectionResetError:
                    break
                if not got:
                    break
                out += got
            elapsed = time.monotonic() - started
        finally:
            s.close()
        self.assertGreaterEqual(elapsed, HEADER_TIMEOUT_MS / 1000 * 0.9, "closed too early")
        self.assertLess(elapsed, HEADER_TIMEOUT_MS / 1000 + 3.0, "not cut off in time")
        if out:  # an answer before the close is optional; if there is one it is a 408
            self.assertRawError(out, 408, "RequestTimeOut")
        self.assertServing()

    def test_trickled_header_is_cut_off_too(self):
        """Slowloris: a byte every 200 ms never completes the header; the deadline is for the
        whole header, so the connection is closed about when it expires."""
        s = socket.create_connection((h.HOST, self.server.port), timeout=10)
        closed_after = None
        started = time.monotonic()
        try:
            line = b"GET /api/v1/deployments HTTP/1.1\r\nX-Slow: " + b"a" * 100
            for byte in line:
                try:
                    s.sendall(bytes([byte]))
                except OSError:
                    closed_after = time.monotonic() - started
                    break
                s.settimeout(0.2)
                try:
                    if s.recv(65536) == b"":
                        closed_after = time.monotonic() - started
                        break
                except socket.timeout:
                    pass
                except ConnectionResetError:
                    closed_after = time.monotonic() - started
                    break
                if time.monotonic() - started > HEADER_TIMEOUT_MS / 1000 + 4:
                    break
        finally:
            s.close()
        self.assertIsNotNone(closed_after, "the trickling client was never cut off")
        self.assertLess(closed_after, HEADER_TIMEOUT_MS / 1000 + 3.0)
        self.assertServing()

    def test_slow_body_gets_408(self):
        s = socket.create_connection((h.HOST, self.server.port), timeout=10)
        try:
            started = time.monotonic()
            s.sendall(request_bytes("POST", DEPLOYMENTS, self.server.api_key,
                                    body=b"x" * 100)[:-90])  # header plus 10 of 100 body bytes
            self.assertServing()
            s.settimeout(BODY_TIMEOUT_MS / 1000 + 5)
            out = b""
            while True:
                try:
                    got = s.recv(65536)
                except ConnectionResetError:
                    break
                if not got:
                    break
                out += got
            elapsed = time.monotonic() - started
        finally:
            s.close()
        self.assertGreaterEqual(elapsed, BODY_TIMEOUT_MS / 1000 * 0.9)
        self.assertLess(elapsed, BODY_TIMEOUT_MS / 1000 + 3.0)
        self.assertRawError(out, 408, "RequestTimeOut")
        self.assertServing()

    def test_idle_connections_do_not_block_others(self):
        socks = [socket.create_connection((h.HOST, self.server.port), timeout=5)
                 for _ in range(64)]
        try:
            for _ in range(5):
                self.assertServing()
        finally:
            for s in socks:
                s.close()

    def test_garbage_instead_of_http(self):
        garbage = [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),  # TLS
                   b"HELLO WORLD\r\n\r\n",
                   b"GET\r\n\r\n",
                   b"GET / HTTP/9.9\r\n\r\n",
                   b"POST /api/v1/deployments HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                   b"POST /api/v1/deployments HTTP/1.1\r\nContent-Length: 5\r\n"
                   b"Content-Length: 7\r\n\r\nabcde",
                   b"GET /healthz HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
                   b"\x00" * 1000 + b"\r\n\r\n",
                   os.urandom(4096)]
        for data in garbage:
            with self.subTest(data=data[:30]):
                raw, closed = send_and_read(self.server.port, data, read_timeout=5.0)
                if raw:
                    status, _ = h.parse_raw_response(raw)
                    self.assertIn(status, (400, 404, 505), raw[:300])
                    if status == 400:
                        self.assertRawError(raw, 400, "InvalidParameter")
                self.assertTrue(closed, "the server kept a garbage connection open")
                self.assertServing()

    def test_pipelined_and_keep_alive_requests(self):
        """Two requests in one write on one connection both get their answers, in order."""
        one = ("GET /api/v1/deployments/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s"
               "\r\n\r\n" % (self.first, self.server.api_key)).encode()
        two = ("GET /api/v1/deployments/nope HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s"
               "\r\nConnection: close\r\n\r\n" % self.server.api_key).encode()
        raw, closed = send_and_read(self.server.port, one + two)
        self.assertTrue(closed)
        self.assertEqual(raw.count(b"HTTP/1.1 "), 2, raw[:500])
        first, _, second = raw.partition(b"HTTP/1.1 404")
        self.assertTrue(first.startswith(b"HTTP/1.1 200"), raw[:300])
        self.assertIn(b"Model: nope not found!", second)

    # ---- last: nothing was lost ---------------------------------------------------------------

    def test_zz_every_deployment_is_still_there(self):
        listed = self.assertOk(self.server.get(DEPLOYMENTS + "?page_size=200"))
        ids = {d["deployed_model"] for d in listed["deployments"]}
        self.assertEqual(listed["total"], len(ids))
        for deployed_model, before in self.expected.items():
            with self.subTest(deployed_model=deployed_model):
                self.assertIn(deployed_model, ids)
                out = self.assertOk(self.server.get_deployment(deployed_model))
                self.assertDeploymentShape(out)
                if isinstance(before, dict):
                    for field in ("deployed_model", "model_name", "plan", "capacity",
                                  "base_capacity", "gmt_create", "workspace_id", "creator"):
                        self.assertEqual(out[field], before[field], field)
                    self.assertEqual(out["status"], "RUNNING")
                    self.assertEqual(out["ready_capacity"], out["capacity"])
        self.assertTrue(self.server.running())


class DefaultHeaderTimeoutTest(h.BerthTestCase):
    """Without flags a client that never finishes its header is cut off after 10 s."""

    def test_default_header_timeout(self):
        s = socket.create_connection((h.HOST, self.server.port), timeout=20)
        try:
            started = time.monotonic()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.assertOk(self.server.get("/healthz"))
            s.settimeout(16)
            out = b""
            while True:
                try:
                    got = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not got:
                    break
                out += got
            elapsed = time.monotonic() - started
        finally:
            s.close()
        self.assertGreater(elapsed, 9.0)
        self.assertLess(elapsed, 14.0)
        if out:
            status, body = h.parse_raw_response(out)
            self.assertEqual(status, 408, out[:300])
            self.assertEqual(body["code"], "RequestTimeOut")
        self.assertOk(self.server.get("/healthz"))


if __name__ == "__main__":
    h.main()
