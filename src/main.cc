// berth: the composition root. `berth serve` wires the store, catalog, services, reconciler,
// API and HTTP server together and runs until SIGINT/SIGTERM; every other subcommand but
// `engine-sim` is a client command (src/cli/).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "api/console_assets.h"
#include "cli/cli_main.h"
#include "cluster/cluster_membership.h"
#include "cluster/shared_sim_runtime.h"
#include "common/log.h"
#include "engine_sim/engine_sim_command.h"
#include "gateway/gateway.h"
#include "http/connection_limit.h"
#include "http/http_server.h"
#include "reconcile/reconciler.h"
#include "runtime/kubernetes/kube_setup.h"
#include "runtime/process/process_setup.h"
#include "runtime/sim_runtime.h"
#include "service/admin_service.h"
#include "service/auth_service.h"
#include "service/billing_service.h"
#include "service/deployment_service.h"
#include "service/model_registry.h"
#include "sim_upstream/sim_upstream.h"
#include "store/catalog_loader.h"
#include "store/open_store.h"
#include "store/sqlite/sqlite_store.h"

namespace berth {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./berth-data";
  std::string store;  // empty: SQLite in data_dir; postgresql://...: a shared PostgreSQL
  std::string api_key;
  std::string region = "cn-beijing";
  std::vector<std::string> catalogs;
  std::string runtime = "process";
  int sim_ready_ms = 1000;
  std::string engines;  // process runtime: engines config file
  std::string units;    // process runtime: unit inventory
  std::string placement_timeout = "10m";
  std::string kube_namespace;  // kubernetes runtime (docs/kubernetes.md)
  std::string kubeconfig;
  std::string kube_image = "berth:latest";
  int kube_watch_timeout = 240;
  int threads = 2;
  int upstream_threads = 1;
  int workers = 32;
  int api_queue = static_cast<int>(kDefaultApiQueue);
  int max_connections = static_cast<int>(kDefaultMaxConnections);
  int header_timeout_ms = 10000;
  int body_timeout_ms = 30000;
  std::string shutdown_grace = "30s";  // see ParseDuration
  std::string console_dir;             // empty: DefaultConsoleDir()
};

StatusOr<std::pair<std::string, int>> SplitListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("--listen must be HOST:PORT");
  std::string host = listen.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return InvalidArgument("--listen port must be a number: " + listen);
  }
  if (port < 0 || port > 65535) return InvalidArgument("--listen port out of range: " + listen);
  return std::pair(host.empty() ? "127.0.0.1" : host, port);
}

// Writes the generated admin key where only its owner can read it.
Status SaveAdminKey(const std::string& data_dir, const std::string& secret) {
  std::string path = data_dir + "/admin.key";
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return Internal("cannot write " + path);
  ::chmod(path.c_str(), 0600);
  std::fprintf(f, "%s\n", secret.c_str());
  bool ok = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::fclose(f);
  return ok ? Status::Ok() : Internal("cannot write " + path);
}

// The limiter of a published route, kept alive with its route state.
LimiterLookup RouteLimiters(const GatewayRoutes& routes) {
  return [&routes](const std::string& name) -> std::shared_ptr<RateLimiter> {
    std::shared_ptr<const GatewayRoute> route = routes.Find(name);
    if (!route) return nullptr;
    return std::shared_ptr<RateLimiter>(route->state, &route->state->limiter);
  };
}

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started below
  return signals;
}

int Serve(const ServeOptions& options) {
  sigset_t stop_signals = BlockStopSignals();
  auto fail = [](const Status& status) {
    LOG_ERROR("{}", status.ToString());
    return 1;
  };
  StatusOr<std::pair<std::string, int>> address = SplitListen(options.listen);
  if (!address.ok()) return fail(address.status());
  StatusOr<Millis> grace = ParseDuration(options.shutdown_grace);
  if (!grace.ok()) return fail(InvalidArgument("--shutdown-grace: " + grace.status().message()));
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return fail(Internal("cannot create " + options.data_dir + ": " + ec.message()));

  StatusOr<std::vector<CatalogModel>> models = LoadRegionCatalog(options.catalogs, options.region);
  if (!models.ok()) return fail(models.status());
  StatusOr<OpenedStore> opened = OpenStore(options.store, options.data_dir);
  if (!opened.ok()) return fail(opened.status());
  Store& store = *opened->store;

  RealClock clock;
  ModelRegistry registry(Catalog(std::move(*models)), store, clock);
  AuthService auth(store, clock);
  if (Status s = registry.Load(); !s.ok()) return fail(s);
  if (Status s = auth.Load(); !s.ok()) return fail(s);
  std::optional<std::string> bootstrap_key;
  if (!options.api_key.empty()) bootstrap_key = options.api_key;
  StatusOr<BootstrapResult> boot = Bootstrap(auth, bootstrap_key);
  if (!boot.ok()) return fail(boot.status());

  GatewayRoutes routes;  // outlives the runtime, which asks it what is in flight
  std::unique_ptr<RuntimeAdapter> runtime;
  ProcessRuntime* process_runtime = nullptr;  // `runtime`, when it is the process runtime
  PtuSizingFor ptu_sizing;  // the sim runtime has no engines config: PtuSizing's defaults
  if (options.runtime == "process") {
    StatusOr<std::unique_ptr<ProcessRuntime>> process =
        OpenProcessRuntime({options.data_dir, options.engines, options.units,
                            options.placement_timeout, options.sim_ready_ms, ""},
                           clock);
    if (!process.ok()) return fail(process.status());
    ptu_sizing = [&engines = (*process)->engines()](const std::string& model,
                                                    const std::string& base) {
      return engines.Resolve(model, base).ptu_sizing.value_or(PtuSizing{});
    };
    // A custom lora model is refused at registration when its base's engine cannot serve it.
    registry.SetLoraCheck([&engines = (*process)->engines()](const std::string& base) {
      return CheckLoraEngine(engines.Resolve(base, base), base);
    });
    // A stopped replica drains only while the gateway has requests in flight to it.
    (*process)->SetInFlightProbe([&routes](const std::string& id) { return routes.InFlight(id); });
    process_runtime = process->get();
    runtime = std::move(*process);
  } else if (options.runtime == "kubernetes") {
    StatusOr<Millis> placement = ParseDuration(options.placement_timeout);
    if (!placement.ok())
      return fail(InvalidArgument("--placement-timeout: " + placement.status().message()));
    StatusOr<std::unique_ptr<KubernetesRuntime>> kube =
        OpenKubernetesRuntime({options.kube_namespace, options.kubeconfig, "", options.engines,
                               options.kube_image, *placement, options.kube_watch_timeout},
                              clock);
    if (!kube.ok()) return fail(kube.status());
    registry.SetLoraCheck(
        [kube = kube->get()](const std::string& base) { return kube->CheckLora(base); });
    runtime = std::move(*kube);
  } else if (opened->postgres) {
    // Replicas in the shared database: a new leader adopts them, every instance routes to them.
    runtime = std::make_unique<SharedSimRuntime>(opened->postgres->pool(), clock,
                                                 Millis(options.sim_ready_ms));
  } else {
    runtime = std::make_unique<SimRuntime>(clock, Millis(options.sim_ready_ms));
  }
  // On a shared PostgreSQL, the reconciler acts only while this instance holds the lease.
  std::unique_ptr<ClusterMembership> cluster;
  if (opened->postgres) {
    cluster =
        std::make_unique<ClusterMembership>(*opened->postgres, *runtime, clock, options.runtime);
  }
  ReconcilerOptions reconcile_options;
  // With several instances, each deployment's limiter leases its part of the limits.
  reconcile_options.routes =
      cluster ? cluster->SharedRoutes(routes, RouteLimiters(routes)) : &routes;
  if (cluster) reconcile_options.leading = [&cluster] { return cluster->Leads(); };
  Reconciler reconciler(cluster ? cluster->reconcile_store() : store,
                        cluster ? cluster->reconcile_runtime() : *runtime, clock,
                        reconcile_options);
  runtime->OnReplicaChange([&reconciler](const std::string& id) { reconciler.Trigger(id); });
  DeploymentService deployments(store, registry, reconciler, clock, ptu_sizing, &reconciler);
  SqliteStore* sqlite = opened->sqlite;  // null on PostgreSQL: no group-commit counters
  BillingService billing(store, registry, clock);
  AdminService admin(store, registry);
  ApiDeps deps{&auth, &registry, &deployments, &billing, &admin, options.region, {}};
  GatewayMetrics gateway_metrics;
  UsageRecorder usage(store, clock);
  // Calls to sim replicas are answered in-process; the others go to engine processes.
  std::unique_ptr<UpstreamClient> upstream =
      std::make_unique<SimUpstream>(StartUpstreamClient({options.upstream_threads, 256}));
  // Pooled connections to an engine that is no longer routed are closed, not kept open.
  routes.OnEndpointGone([client = upstream.get()](const std::string& host, int port) {
    client->ForgetEndpoint(host, port);
  });
  Gateway gateway({&auth, &routes, upstream.get(), &usage, &gateway_metrics, &clock});
  deps.flush_usage = [&usage] { usage.Flush(); };
  deps.extra_metrics = [sqlite, &gateway_metrics, &usage, &cluster] {
    if (sqlite == nullptr) {
      return gateway_metrics.Render() + usage.RenderMetrics() + cluster->RenderMetrics();
    }
    return gateway_metrics.Render() + usage.RenderMetrics() +
           "# HELP berth_store_commits_total Store transactions committed (one fsync each).\n"
           "# TYPE berth_store_commits_total counter\n"
           "berth_store_commits_total " +
           std::to_string(sqlite->commits()) + "\n" +
           "# HELP berth_store_writes_total Store writes applied; writes/commits is the batching.\n"
           "# TYPE berth_store_writes_total counter\n"
           "berth_store_writes_total " +
           std::to_string(sqlite->writes()) + "\n";
  };
  const SystemTime started = clock.Now();
  deps.cluster = [&cluster, &options, &clock, started]() -> StatusOr<ClusterView> {
    if (cluster) return cluster->View();
    return SingleInstanceView(options.listen, options.runtime, started, clock.Now());
  };
  ApiServer api(std::move(deps), options.workers, static_cast<size_t>(options.api_queue));
  StatusOr<ConsoleAssets> console =
      ConsoleAssets::Load(options.console_dir.empty() ? DefaultConsoleDir() : options.console_dir);
  if (!console.ok()) return fail(console.status());
  if (!console->built()) LOG_WARN("no web console in {} (docs/console.md)", console->dir());
  HttpServerOptions http;
  http.host = address->first;
  http.port = address->second;
  http.threads = options.threads;
  http.header_timeout = Millis(options.header_timeout_ms);
  http.body_timeout = Millis(options.body_timeout_ms);
  const uint64_t fd_limit = ReadFdLimit();
  const ConnectionCap cap =
      PlanConnectionCap(static_cast<size_t>(options.max_connections), fd_limit);
  if (cap.clamped) {
    LOG_WARN(
        "--max-connections {} leaves too few of the {} descriptors (ulimit -n) for berth's own "
        "work; using {}",
        options.max_connections, fd_limit, cap.cap);
  }
  http.max_connections = cap.cap;
  http.drain_timeout = *grace;
  // Past the grace, engine calls still running end with an error event (streams) or answer, and
  // are metered as aborted.
  http.on_drain_timeout = [client = upstream.get()] { client->AbortAll(); };
  http.handler = [&api, &gateway, &console](HttpRequest request, HttpResponder respond) {
    if (Gateway::Serves(request.path))
      return gateway.Handle(std::move(request), std::move(respond));
    if (ConsoleAssets::Serves(request)) return respond(console->Answer(request));
    api.Handle(std::move(request), std::move(respond));
  };
  http.error_response = [&api](const Status& status) { return api.Rejected(status); };
  StatusOr<std::unique_ptr<HttpServer>> server = StartHttpServer(std::move(http));
  if (!server.ok()) return fail(server.status());
  std::string base = "http://" + address->first + ":" + std::to_string((*server)->port());
  if (cluster) {
    Status joined =
        cluster->Start(base, [&reconciler](const std::string& id) { reconciler.Trigger(id); });
    if (!joined.ok()) {
      (*server)->Stop();
      return fail(joined);
    }
  }
  reconciler.Start();

  std::printf("berth listening on %s (region %s, runtime %s, data %s)\n", base.c_str(),
              options.region.c_str(), options.runtime.c_str(), options.data_dir.c_str());
  if (boot->generated_key) {
    if (Status s = SaveAdminKey(options.data_dir, *boot->generated_key); !s.ok()) return fail(s);
    std::printf("generated admin API key (shown once, saved to %s/admin.key):\n  %s\n",
                options.data_dir.c_str(), boot->generated_key->c_str());
  }
  std::printf(
      "try:\n  curl -H \"Authorization: Bearer $KEY\" %s/api/v1/deployments\n"
      "  curl -H \"Authorization: Bearer $KEY\" %s/compatible-mode/v1/models\n",
      base.c_str(), base.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LOG_INFO("signal {} received; shutting down", signal_number);
  (*server)->Stop();
  routes.OnEndpointGone(nullptr);
  upstream.reset();
  usage.Stop();  // every metered request is stored before berth exits
  reconciler.Stop();
  if (cluster) cluster->Stop();       // gives the lease up: another instance leads at once
  runtime->OnReplicaChange(nullptr);  // engines keep running; the next berth adopts them
  // ...but those of stopped replicas end now (nothing is served any more); one that is slow
  // to exit stays recorded, and the next berth finishes it.
  if (process_runtime) process_runtime->FinishStopping(Millis(5000));
  return 0;
}

void AddServeCommand(CLI::App& app, ServeOptions& options) {
  CLI::App* serve = app.add_subcommand("serve", "Run the berth server");
  serve->add_option("--listen", options.listen, "HOST:PORT to listen on")
      ->envname("BERTH_LISTEN")
      ->capture_default_str();
  serve->add_option("--data-dir", options.data_dir, "Directory for the database and keys")
      ->envname("BERTH_DATA_DIR")
      ->capture_default_str();
  serve
      ->add_option("--store", options.store,
                   "postgresql://user@host:port/db to share one PostgreSQL between instances "
                   "(default: SQLite in --data-dir)")
      ->envname("BERTH_STORE");
  serve->add_option("--api-key", options.api_key, "Bootstrap admin key of the default workspace")
      ->envname("BERTH_API_KEY");
  serve->add_option("--region", options.region, "Catalog region")
      ->envname("BERTH_REGION")
      ->check(CLI::IsMember({"cn-beijing", "ap-southeast-1"}))
      ->capture_default_str();
  serve->add_option("--catalog", options.catalogs, "Extra catalog file(s), seed-catalog format")
      ->envname("BERTH_CATALOG");
  serve->add_option("--runtime", options.runtime, "Replica runtime")
      ->envname("BERTH_RUNTIME")
      ->check(CLI::IsMember({"sim", "process", "kubernetes"}))
      ->capture_default_str();
  serve
      ->add_option("--sim-ready-ms", options.sim_ready_ms,
                   "Time a sim replica (or the built-in engine-sim) takes to be ready")
      ->envname("BERTH_SIM_READY_MS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  serve->add_option("--engines", options.engines, "Engines config file (docs/runtime.md)")
      ->envname("BERTH_ENGINES");
  serve
      ->add_option("--units", options.units, "Unit inventory, e.g. MU1=8,MU2=0-7 (none: unlimited)")
      ->envname("BERTH_UNITS");
  serve
      ->add_option("--placement-timeout", options.placement_timeout,
                   "How long a deployment waits for free units before it fails")
      ->envname("BERTH_PLACEMENT_TIMEOUT")
      ->capture_default_str();
  serve
      ->add_option("--kube-namespace", options.kube_namespace,
                   "kubernetes runtime: namespace (default: the context's or the pod's)")
      ->envname("BERTH_KUBE_NAMESPACE");
  serve->add_option("--kubeconfig", options.kubeconfig,
                    "kubernetes runtime: kubeconfig file (default: $KUBECONFIG, else in-cluster)");
  serve
      ->add_option("--kube-image", options.kube_image,
                   "kubernetes runtime: image of the built-in engine-sim template")
      ->envname("BERTH_KUBE_IMAGE")
      ->capture_default_str();
  serve
      ->add_option("--kube-watch-timeout", options.kube_watch_timeout,
                   "kubernetes runtime: seconds each pod watch lasts before it is resumed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve
      ->add_option("--header-timeout-ms", options.header_timeout_ms,
                   "Time a client has to send a request's header")
      ->envname("BERTH_HEADER_TIMEOUT_MS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--body-timeout-ms", options.body_timeout_ms,
                   "Time a client has to send a request's body")
      ->envname("BERTH_BODY_TIMEOUT_MS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--api-queue", options.api_queue,
                   "API requests that may wait for a worker; more are answered 503 at once")
      ->envname("BERTH_API_QUEUE")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  serve
      ->add_option("--max-connections", options.max_connections,
                   "Client connections held open at most; more are refused at once")
      ->envname("BERTH_MAX_CONNECTIONS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--shutdown-grace", options.shutdown_grace,
                   "On SIGTERM, how long running requests may finish (e.g. 30s, 500ms)")
      ->envname("BERTH_SHUTDOWN_GRACE")
      ->capture_default_str();
  serve
      ->add_option("--console-dir", options.console_dir,
                   "The built web console to serve at / (default: console/ beside the binary)")
      ->envname("BERTH_CONSOLE_DIR");
  serve->add_option("--threads", options.threads, "Network threads")
      ->envname("BERTH_THREADS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--upstream-threads", options.upstream_threads,
                   "Threads of the gateway's connections to the engines")
      ->envname("BERTH_UPSTREAM_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

}  // namespace
}  // namespace berth

int main(int argc, char** argv) {
  CLI::App app{"berth: a self-hosted Model Studio deployment service"};
  app.require_subcommand(1);
  berth::ServeOptions serve_options;
  berth::AddServeCommand(app, serve_options);
  std::function<int()> run_engine_sim = berth::AddEngineSimCommand(app);
  std::function<int()> run_client = berth::cli::AddClientCommands(app);
  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("engine-sim")) return run_engine_sim();
  if (app.got_subcommand("serve")) return berth::Serve(serve_options);
  return run_client();
}
