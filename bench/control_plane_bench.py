#!/usr/bin/env python3
"""Control-plane write throughput: creates per second through the real HTTP API.

Starts `berth serve` (sim runtime, fresh data dir on this machine's disk), then measures
POST /api/v1/deployments with 1 client (baseline: every create waits for its own fsync) and
with N concurrent clients (group commit shares fsyncs), in the same invocation, and prints the
ratio and the store's writes per commit from /metrics.

  python3 bench/control_plane_bench.py --berth build/berth [--clients 32] [--seconds 5]
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import tempfile
import threading
import time

KEY = "sk-bench-admin-key"


def start(berth, data_dir):
    proc = subprocess.Popen(
        [berth, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--api-key", KEY,
         "--sim-ready-ms", "100", "--runtime", "sim"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    port = int(re.search(r":(\d+) ", line).group(1))
    return proc, port


def run(port, clients, seconds, prefix):
    done = []
    errors = []
    deadline = time.monotonic() + seconds

    def worker(index):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        n = 0
        while time.monotonic() < deadline:
            body = json.dumps({"model_name": "qwen3-8b", "capacity": 2,
                               "suffix": f"{prefix}{index:02d}{n:04d}"[:8]})
            conn.request("POST", "/api/v1/deployments", body,
                         {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            (done if resp.status == 200 else errors).append(resp.status)
            n += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start_time = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(done) / (time.monotonic() - start_time), len(errors)


def store_counters(port):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    value = lambda name: int(re.search(rf"^{name} (\d+)$", text, re.M).group(1))
    return value("berth_store_writes_total"), value("berth_store_commits_total")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", default="build/berth")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.getcwd()) as data_dir:
        proc, port = start(args.berth, data_dir)
        try:
            w0, c0 = store_counters(port)
            one, e1 = run(port, 1, args.seconds, "a")
            w1, c1 = store_counters(port)
            many, e2 = run(port, args.clients, args.seconds, "b")
            w2, c2 = store_counters(port)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"creates/s, 1 client (baseline, one fsync each): {one:8.0f}  "
          f"writes/commit {(w1 - w0) / max(1, c1 - c0):.2f}")
    print(f"creates/s, {args.clients} clients (group commit): {many:8.0f}  "
          f"writes/commit {(w2 - w1) / max(1, c2 - c1):.2f}")
    print(f"ratio {args.clients} clients / 1 client: {many / one:.2f}x   errors: {e1 + e2}")


if __name__ == "__main__":
    main()
