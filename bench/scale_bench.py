#!/usr/bin/env python3
"""Control-plane scale: how the cost of N deployments grows with N (sim runtime).

For each N (default 10,000, 50,000 and 100,000), starts a fresh `berth serve --runtime sim`
on a new data dir and measures, through the real HTTP API:

  create_s    POST /api/v1/deployments N times (wrk with 32 connections, else 32 Python
              clients: those top out near 1,000 creates/s on two cores; group commit)
  running_s   first create -> all N RUNNING (the reconciler's convergence, polled on /metrics
              every 0.5 s, or every 10x the last poll's time when longer: ~1 s at 100,000)
  rss_mb      berth's resident memory once all are RUNNING (VmRSS; peak VmHWM too)
  list_ms     GET /api/v1/deployments?page_size=50, median of 30 (first page, with total)
  change_ms   PUT .../scale of one deployment (capacity 2 -> 4) until its second replica is
              listed: how fast one change is applied with N stored (median of 3)

The first N is the baseline of the run: the table prints each row's time per 1,000
deployments and list/change latency as a ratio of the baseline's, so linear growth reads as
ratios near 1 (and quadratic growth as ratios near N/N0). With --old-berth the same sizes
also run on a second binary (e.g. main's) and its figures print next to the first's.

  python3 bench/scale_bench.py --berth build/berth [--sizes 10000,50000,100000]
        [--clients 32] [--timeout 300] [--old-berth path] [--check MAX_RATIO]

--check makes it exit 1 when a row's per-deployment time, list or change latency exceeds
MAX_RATIO times the baseline's (the test suite's regression guard runs a small form).
"""
import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

KEY = "sk-bench-scale-key"
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


def start(berth, data_dir):
    proc = subprocess.Popen(
        [berth, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--api-key", KEY,
         "--runtime", "sim", "--sim-ready-ms", "100"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.search(r":(\d+)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"berth did not start: {line!r}")
    return proc, int(match.group(1))


def request(conn, method, path, body=None):
    conn.request(method, path, body, HEADERS)
    resp = conn.getresponse()
    return resp.status, resp.read()


def create_range(port, first, count, prefix, probes):
    """One process: creates deployments first..first+count-1 over 8 keep-alive connections.
    Returns the errors and the deployed_model names of the indices in `probes`."""
    errors = []
    names = {}
    lock = threading.Lock()
    next_index = [first]

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = next_index[0]
                if i >= first + count:
                    break
                next_index[0] += 1
            body = json.dumps({"model_name": "qwen3-8b", "capacity": 2,
                               "suffix": f"{prefix}{i:07d}"})
            status, data = request(conn, "POST", "/api/v1/deployments", body)
            if status != 200:
                errors.append((status, data[:200]))
            elif i in probes:
                names[i] = json.loads(data)["output"]["deployed_model"]
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors, names


WRK_CREATE_LUA = """
local n = 0
local id = 0
function setup(thread) id = id + 1; thread:set("tid", id) end
request = function()
  n = n + 1
  -- Past its share a thread sends cheap GET /healthz until it is stopped: stopping the thread
  -- here would cut off its other connections' creates still in flight.
  if n > share then return wrk.format("GET", "/healthz") end
  local body = string.format('{"model_name":"qwen3-8b","capacity":2,"suffix":"w%d%06d"}', tid, n)
  return wrk.format("POST", "/api/v1/deployments", headers, body)
end
"""


def list_total(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, data = request(conn, "GET", "/api/v1/deployments?page_size=1")
    conn.close()
    return json.loads(data)["output"]["total"] if status == 200 else 0


def create_with_wrk(port, n, clients, work_dir):
    """N creates from wrk (2 threads, `clients` connections): the Python clients top out near
    1,000 creates/s on two cores, below what berth takes. Returns False without wrk."""
    if shutil.which("wrk") is None or n < 2:
        return False
    share = n // 2
    script = os.path.join(work_dir, "create.lua")
    with open(script, "w") as f:
        f.write(f"share = {share}\n")
        f.write('headers = {["Authorization"] = "Bearer %s", ["Content-Type"] = "application/json"}\n'
                % KEY)
        f.write(WRK_CREATE_LUA)
    # wrk runs for its whole duration: it is stopped once the creates are stored.
    proc = subprocess.Popen(["wrk", "-t2", f"-c{clients}", "-d3600s", "-s", script,
                             f"http://127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        last, stalled = -1, time.monotonic()
        while True:
            total = list_total(port)
            if total >= 2 * share:
                break
            if total != last:
                last, stalled = total, time.monotonic()
            elif time.monotonic() - stalled > 5:
                break  # creates stopped coming (refused, or lost with a stopped thread)
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait()
    missing = n - list_total(port)
    if missing > 0:  # odd n, or requests cut off when a wrk thread stopped
        errors, _ = create_range(port, 0, missing, "t", set())
        if errors:
            raise RuntimeError(f"{len(errors)} creates failed, first: {errors[0]}")
    return True


def probe_names(port, n):
    """deployed_model of the newest, the middle and the oldest deployment."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    names = []
    for page in (1, n // 2 + 1, n):
        status, data = request(conn, "GET", f"/api/v1/deployments?page_size=1&page_no={page}")
        names.append(json.loads(data)["output"]["deployments"][0]["deployed_model"])
    conn.close()
    return names


def count_running(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, text = request(conn, "GET", "/metrics")
    conn.close()
    match = re.search(rb'^berth_deployments\{status="RUNNING"\} (\d+)$', text, re.M)
    return int(match.group(1)) if match else 0


def memory_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        text = f.read()
    value = lambda name: int(re.search(rf"^{name}:\s+(\d+) kB", text, re.M).group(1)) / 1024
    return value("VmRSS"), value("VmHWM")


def list_ms(port, samples=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        status, data = request(conn, "GET", "/api/v1/deployments?page_size=50")
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"list failed: {status} {data[:200]}")
    conn.close()
    return statistics.median(times), json.loads(data)["output"]["total"]


def change_ms(port, deployed_model, timeout):
    """PUT .../scale to 4 units (2 replicas), then the time until the reconciler has acted on
    it: the second replica is listed (it is ready --sim-ready-ms later)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    status, data = request(conn, "PUT", f"/api/v1/deployments/{deployed_model}/scale",
                           json.dumps({"capacity": 4}))
    if status != 200:
        raise RuntimeError(f"scale failed: {status} {data[:200]}")
    while time.perf_counter() - t0 < timeout:
        status, data = request(conn, "GET", f"/api/v1/deployments/{deployed_model}/replicas")
        body = json.loads(data)
        if len(body.get("output", body)["replicas"]) == 2:
            conn.close()
            return (time.perf_counter() - t0) * 1000
        time.sleep(0.001)
    raise RuntimeError(f"{deployed_model} did not get its second replica in {timeout} s")


def create_python(port, n, clients):
    """N creates from `clients` Python threads in clients/8 processes: (errors, probe names)."""
    processes = max(1, clients // 8)
    share = (n + processes - 1) // processes
    probes = {0, n // 2, n - 1}
    with multiprocessing.Pool(processes) as pool:
        jobs = [pool.apply_async(create_range,
                                 (port, i * share, min(share, n - i * share), "s", probes))
                for i in range(processes) if i * share < n]
        errors, names = [], {}
        for job in jobs:
            job_errors, job_names = job.get()
            errors += job_errors
            names.update(job_names)
    return errors, [names[i] for i in sorted(probes)]


def measure(berth, n, clients, timeout):
    data_dir = tempfile.mkdtemp(prefix="berth-scale-")
    proc, port = start(berth, data_dir)
    try:
        t0 = time.monotonic()
        errors, names = [], None
        if not create_with_wrk(port, n, clients, data_dir):
            errors, names = create_python(port, n, clients)
        create_s = time.monotonic() - t0
        if errors:
            raise RuntimeError(f"{len(errors)} creates failed, first: {errors[0]}")
        running, poll_s = 0, 0.0
        while running < n and time.monotonic() - t0 < timeout:
            # /metrics counts by status over the whole table (~0.1 s of berth's CPU at 100,000):
            # polled every 0.5 s it took a fifth of a core from the convergence it measures, so
            # the pause is at least ten times the last poll (it stays 0.5 s up to ~20,000).
            time.sleep(max(0.5, 10 * poll_s))
            started = time.monotonic()
            running = count_running(port)
            poll_s = time.monotonic() - started
        running_s = time.monotonic() - t0
        if running < n:
            raise RuntimeError(f"only {running} of {n} RUNNING after {timeout} s")
        rss, hwm = memory_mb(proc.pid)
        list_median, total = list_ms(port)
        if total != n:
            raise RuntimeError(f"list total {total}, expected {n}")
        names = names or probe_names(port, n)
        change = statistics.median(change_ms(port, name, 30) for name in names)
        return {"n": n, "create_s": create_s, "running_s": running_s, "rss_mb": rss,
                "hwm_mb": hwm, "list_ms": list_median, "change_ms": change}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


def print_table(label, rows):
    base = rows[0]
    per_k = lambda r: r["running_s"] / r["n"] * 1000
    print(f"\n{label}   (baseline: the {base['n']:,} row)")
    print(f"{'deployments':>11} {'create_s':>9} {'running_s':>9} {'s/1k':>7} {'x':>5} "
          f"{'rss_mb':>7} {'hwm_mb':>7} {'list_ms':>8} {'x':>5} {'change_ms':>9} {'x':>5}")
    for r in rows:
        print(f"{r['n']:>11,} {r['create_s']:>9.1f} {r['running_s']:>9.1f} {per_k(r):>7.3f} "
              f"{per_k(r) / per_k(base):>5.2f} {r['rss_mb']:>7.0f} {r['hwm_mb']:>7.0f} "
              f"{r['list_ms']:>8.2f} {r['list_ms'] / base['list_ms']:>5.2f} "
              f"{r['change_ms']:>9.1f} {r['change_ms'] / base['change_ms']:>5.2f}")


def worst_ratio(rows):
    base = rows[0]
    per_k = lambda r: r["running_s"] / r["n"]
    # Latencies under a few ms are noise-bound: compare against at least 2 ms.
    floor = lambda v: max(v, 2.0)
    return max(max(per_k(r) / per_k(base), floor(r["list_ms"]) / floor(base["list_ms"]),
                   floor(r["change_ms"]) / floor(base["change_ms"])) for r in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--berth", default="build/berth")
    parser.add_argument("--old-berth", help="a second binary measured the same way")
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per size")
    parser.add_argument("--check", type=float, help="fail above this ratio to the baseline")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    binaries = [("berth", args.berth)] + ([("old", args.old_berth)] if args.old_berth else [])
    worst = 0
    for label, binary in binaries:
        rows = []
        for n in sizes:
            try:
                rows.append(measure(os.path.realpath(binary), n, args.clients, args.timeout))
            except RuntimeError as error:
                print(f"{label} {binary} at {n:,}: {error}")
                break
            r = rows[-1]
            print(f"{label} {n:,}: create {r['create_s']:.1f} s, RUNNING {r['running_s']:.1f} s, "
                  f"rss {r['rss_mb']:.0f} MB, list {r['list_ms']:.2f} ms, "
                  f"change {r['change_ms']:.1f} ms", flush=True)
        if rows:
            print_table(f"{label}: {binary}", rows)
        if label == "berth":
            if len(rows) < len(sizes):
                worst = float("inf")
            elif rows:
                worst = worst_ratio(rows)
    print(f"\nworst ratio to the baseline row: {worst:.2f}")
    if args.check is not None and worst > args.check:
        print(f"FAIL: above {args.check}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
