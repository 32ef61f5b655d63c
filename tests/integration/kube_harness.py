"""A real Kubernetes control plane for the integration tests, and a kubelet that plays its nodes.

ControlPlane starts scripts/kube-control-plane-run.sh (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler on loopback; binaries built once by
scripts/kube-control-plane.sh build) and stops exactly what it started.

FakeKubelet plays the kubelet of simulated nodes with `nvidia.com/gpu` allocatable: it keeps
the nodes Ready, and for each pod the scheduler binds to one of them it runs the container's
command as a local process on the pod's own loopback address (127.0.0.k), reports the pod
Running, Ready once the engine answers its readiness probe and not Ready again until the probe
has failed the pod's own failureThreshold times in a row (each try bounded by its
timeoutSeconds), as a kubelet does, restarts a container whose process dies (restartCount + 1,
CrashLoop-free), and on deletion stops the process and removes the pod.
Like a kubelet it keeps each container's output (stdout and stderr, across restarts) and serves
it over HTTPS at /containerLogs/{ns}/{pod}/{container} (tailLines, limitBytes) on the port its
nodes advertise, which is where the apiserver proxies GET .../pods/{name}/log to (it does not
verify a kubelet's certificate unless given --kubelet-certificate-authority).
Python 3 stdlib only.
"""

import http.client
import http.server
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "scripts", "kube-control-plane-run.sh")


def binaries_present():
    cache = os.environ.get("BERTH_CACHE", os.path.expanduser("~/.cache/berth"))
    bins = os.path.join(cache, "kube-1.20", "bin")
    if not os.path.exists(os.path.join(bins, "build-id")):
        return False  # an older, broken build (see scripts/kube-control-plane.sh)
    return all(os.access(os.path.join(bins, b), os.X_OK)
               for b in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"))


class KubeApi:
    """Minimal HTTPS client for the apiserver (JSON in and out)."""

    def __init__(self, server, token, ca_file):
        u = urllib.parse.urlparse(server)
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.ctx = ssl.create_default_context(cafile=ca_file)

    def call(self, method, path, body=None, content_type="application/json", timeout=10):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)
        headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            return resp.status, json.loads(raw) if raw else {}
        except ValueError:
            return resp.status, {"raw": raw.decode(errors="replace")}

    def ok(self, method, path, body=None, content_type="application/json"):
        status, obj = self.call(method, path, body, content_type)
        if status >= 300:
            raise RuntimeError("%s %s -> %d %s" % (method, path, status, obj))
        return obj


class ControlPlane:
    def __init__(self, namespace="berth-test"):
        self.dir = tempfile.mkdtemp(prefix="berth-kube-")
        self.namespace = namespace
        self.env = {}

    def start(self):
        subprocess.run([SCRIPT, "start", self.dir], check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(self.dir, "env")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                self.env[k] = v.strip('"')
        self.ca = os.path.join(self.dir, "ca.crt")
        self.admin = KubeApi(self.env["SERVER"], self.env["ADMIN_TOKEN"], self.ca)
        self.berth_kubeconfig = os.path.join(self.dir, "berth.kubeconfig")
        self._wait_ready()
        self._namespace_and_rbac()
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = self.admin.call("GET", "/api/v1/namespaces/default/serviceaccounts")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("control plane not ready; see %s" % self.dir)

    def _namespace_and_rbac(self):
        """The namespace, and the Role of deploy/rbac.yaml bound to user `berth`."""
        ns = self.namespace
        self.admin.ok("POST", "/api/v1/namespaces",
                      {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        with open(os.path.join(REPO, "deploy", "role.json")) as f:
            role = json.load(f)
        role["metadata"]["namespace"] = ns
        self.admin.ok("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/roles" % ns, role)
        self.admin.ok("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/rolebindings" % ns, {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "berth", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                        "name": role["metadata"]["name"]},
            "subjects": [{"kind": "User", "name": "berth",
                          "apiGroup": "rbac.authorization.k8s.io"}]})

    def etcd_compact(self):
        """Compacts etcd at its current revision: every older watch version expires."""
        out = subprocess.run(["etcdctl", "--endpoints", self.env["ETCD_ENDPOINT"], "endpoint",
                              "status", "-w", "json"], check=True, capture_output=True,
                             timeout=20, env=dict(os.environ, ETCDCTL_API="3")).stdout
        rev = json.loads(out)[0]["Status"]["header"]["revision"]
        subprocess.run(["etcdctl", "--endpoints", self.env["ETCD_ENDPOINT"], "compact",
                        str(rev)], check=True, capture_output=True, timeout=20,
                       env=dict(os.environ, ETCDCTL_API="3"))
        return rev

    def pods(self):
        return self.admin.ok("GET", "/api/v1/namespaces/%s/pods" % self.namespace)["items"]

    def deployments(self):
        return self.admin.ok("GET", "/apis/apps/v1/namespaces/%s/deployments"
                             % self.namespace)["items"]

    def stop(self):
        """Stops the control plane and removes its directory (certificates, logs, etcd's data:
        ~60 MB a run), unless BERTH_IT_KEEP is set, as berth_harness does."""
        subprocess.run([SCRIPT, "stop", self.dir], timeout=60)
        if os.environ.get("BERTH_IT_KEEP"):
            sys.stderr.write("kept %s\n" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class FakeKubelet:
    """Plays the kubelet of `nodes` nodes with `gpus` nvidia.com/gpu each."""

    def __init__(self, plane, berth_binary, nodes=1, gpus=8):
        self.api = plane.admin
        self.ns = plane.namespace
        self.berth = berth_binary
        self.nodes = ["gpu-node-%d" % i for i in range(1, nodes + 1)]
        self.gpus = gpus
        self.running = {}  # pod name -> {"proc", "ip", "restarts", "ready", "port", "argv"}
        self.next_ip = 10
        self.mu = threading.Lock()
        self.stopping = False
        self.thread = None
        self.log_dir = tempfile.mkdtemp(prefix="berth-kubelet-logs-")
        self.log_server = None
        self.cert = (os.path.join(plane.dir, "apiserver.crt"),
                     os.path.join(plane.dir, "apiserver.key"))

    def log_path(self, pod_name):
        return os.path.join(self.log_dir, pod_name + ".log")

    def _serve_logs(self):
        kubelet = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                u = urllib.parse.urlparse(self.path)
                parts = u.path.strip("/").split("/")
                if len(parts) != 4 or parts[0] != "containerLogs":
                    return self._answer(404, b"not found\n")
                q = urllib.parse.parse_qs(u.query)
                try:
                    with open(kubelet.log_path(parts[2]), "rb") as f:
                        data = f.read()
                except OSError:
                    return self._answer(400, ('container "%s" in pod "%s" is waiting to start'
                                              % (parts[3], parts[2])).encode())
                if "tailLines" in q:
                    n = int(q["tailLines"][0])
                    lines = data.splitlines(keepends=True)
                    data = b"".join(lines[-n:]) if n > 0 else b""
                if "limitBytes" in q:
                    data = data[:int(q["limitBytes"][0])]
                self._answer(200, data)

            def _answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*self.cert)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.log_server = server

    def start(self):
        self._serve_logs()
        for name in self.nodes:
            self.api.ok("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                                  "metadata": {"name": name}})
        self._heartbeat()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _heartbeat(self):
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for name in self.nodes:
            amounts = {"nvidia.com/gpu": str(self.gpus), "cpu": "64", "memory": "256Gi",
                       "pods": "110"}
            self.api.ok("PATCH", "/api/v1/nodes/%s/status" % name, {"status": {
                "capacity": amounts, "allocatable": amounts,
                "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                "daemonEndpoints": {"kubeletEndpoint": {
                    "Port": self.log_server.server_address[1]}},
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                "lastHeartbeatTime": now, "lastTransitionTime": now}]}},
                "application/strategic-merge-patch+json")
            self.api.ok("PATCH", "/api/v1/nodes/%s" % name, {"spec": {"taints": None}},
                        "application/merge-patch+json")

    def _loop(self):
        last_beat = time.monotonic()
        while not self.stopping:
            try:
                if time.monotonic() - last_beat > 5:
                    self._heartbeat()
                    last_beat = time.monotonic()
                self._sync()
            except Exception as e:  # noqa: BLE001 - the control plane may be restarting
                print("kubelet: %s" % e, flush=True)
            time.sleep(0.2)

    def _sync(self):
        pods = self.api.ok("GET", "/api/v1/namespaces/%s/pods" % self.ns)["items"]
        seen = set()
        for pod in pods:
            name = pod["metadata"]["name"]
            if pod["spec"].get("nodeName") not in self.nodes:
                continue
            seen.add(name)
            if pod["metadata"].get("deletionTimestamp"):
                self._remove(name)
                continue
            with self.mu:
                state = self.running.get(name)
            if state is None:
                self._start_pod(pod)
            else:
                self._tend(name, state)
        with self.mu:
            gone = [n for n in self.running if n not in seen]
        for name in gone:
            self._stop_process(name)

    def _argv(self, pod, ip):
        c = pod["spec"]["containers"][0]
        argv = list(c.get("command") or []) + list(c.get("args") or [])
        argv = [ip if a == "0.0.0.0" else a for a in argv]
        if argv and argv[0] == "berth":
            argv[0] = self.berth
        env = dict(os.environ)
        for e in c.get("env", []):
            if "value" in e:
                env[e["name"]] = e["value"]
            elif e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name":
                env[e["name"]] = pod["metadata"]["name"]
        argv = [a.replace("$(POD_NAME)", pod["metadata"]["name"]) for a in argv]
        port = c.get("ports", [{}])[0].get("containerPort", 8000)
        return argv, env, port

    def _start_pod(self, pod):
        name = pod["metadata"]["name"]
        with self.mu:
            ip = "127.0.0.%d" % self.next_ip
            self.next_ip += 1
        argv, env, port = self._argv(pod, ip)
        probe = pod["spec"]["containers"][0].get("readinessProbe", {})
        proc = self._run(name, argv, env)
        with self.mu:
            self.running[name] = {"proc": proc, "ip": ip, "restarts": 0, "ready": None,
                                  "port": port, "argv": argv, "env": env, "failures": 0,
                                  "probe_timeout": probe.get("timeoutSeconds", 1),
                                  "failure_threshold": probe.get("failureThreshold", 3)}
        self._report(name, ip, 0, False)

    def _run(self, name, argv, env):
        with open(self.log_path(name), "ab") as log:
            return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)

    def _healthy(self, state):
        try:
            conn = http.client.HTTPConnection(state["ip"], state["port"],
                                              timeout=state["probe_timeout"])
            conn.request("GET", "/health")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def _tend(self, name, state):
        if state["proc"].poll() is not None:
            # The container died: the kubelet restarts it (restartPolicy Always).
            state["restarts"] += 1
            self._report(name, state["ip"], state["restarts"], False)
            state["ready"] = False
            state["failures"] = 0
            state["proc"] = self._run(name, state["argv"], state["env"])
            return
        healthy = self._healthy(state)
        state["failures"] = 0 if healthy else state["failures"] + 1
        # Ready on the first success; not Ready only after failureThreshold failures in a row
        # (one slow answer on a loaded machine does not take a pod out of service).
        ready = healthy or (state["ready"] is True and
                            state["failures"] < state["failure_threshold"])
        if ready != state["ready"]:
            print("kubelet: pod %s Ready=%s (restarts %d, failed probes %d)" % (
                name, ready, state["restarts"], state["failures"]), flush=True)
            state["ready"] = ready
            self._report(name, state["ip"], state["restarts"], ready)

    def _report(self, name, ip, restarts, ready):
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        flag = "True" if ready else "False"
        status = {"phase": "Running", "podIP": ip, "hostIP": "127.0.0.1",
                  "conditions": [{"type": "Ready", "status": flag, "lastTransitionTime": now},
                                 {"type": "ContainersReady", "status": flag,
                                  "lastTransitionTime": now},
                                 {"type": "Initialized", "status": "True"},
                                 {"type": "PodScheduled", "status": "True"}],
                  "containerStatuses": [{"name": "engine", "ready": ready,
                                         "restartCount": restarts, "image": "berth",
                                         "imageID": "", "state": {"running": {"startedAt": now}}}]}
        self.api.call("PATCH", "/api/v1/namespaces/%s/pods/%s/status" % (self.ns, name),
                      {"status": status}, "application/strategic-merge-patch+json")

    def _stop_process(self, name):
        with self.mu:
            state = self.running.pop(name, None)
        if state and state["proc"].poll() is None:
            state["proc"].terminate()
            try:
                state["proc"].wait(5)
            except subprocess.TimeoutExpired:
                state["proc"].kill()
                state["proc"].wait()

    def _remove(self, name):
        self._stop_process(name)
        try:
            os.remove(self.log_path(name))  # a kubelet drops a deleted pod's logs
        except OSError:
            pass
        self.api.call("DELETE", "/api/v1/namespaces/%s/pods/%s" % (self.ns, name),
                      {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0})

    def kill_container(self, pod_name):
        """SIGKILLs the pod's process and waits until it is gone (its listening socket closed),
        as a crashed container; the kubelet loop then restarts it. Returns the old pid."""
        with self.mu:
            proc = self.running[pod_name]["proc"]
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return proc.pid

    def pid(self, pod_name):
        with self.mu:
            state = self.running.get(pod_name)
            return state["proc"].pid if state else None

    def ip(self, pod_name):
        with self.mu:
            state = self.running.get(pod_name)
            return state["ip"] if state else None

    def stop(self):
        self.stopping = True
        if self.thread:
            self.thread.join(10)
        for name in list(self.running):
            self._stop_process(name)
        if self.log_server:
            self.log_server.shutdown()
            self.log_server.server_close()
        shutil.rmtree(self.log_dir, ignore_errors=True)
