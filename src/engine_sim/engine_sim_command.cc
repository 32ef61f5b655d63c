#include "engine_sim/engine_sim_command.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "common/log.h"
#include "engine_sim/behaviour_flags.h"
#include "engine_sim/openai_response.h"
#include "engine_sim/scheduler.h"
#include "engine_sim/server.h"
#include "http/http_server.h"

namespace berth {
namespace {

struct EngineSimFlags {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string served_model_name = "berth-sim";
  std::string model;
  int startup_ms = 0;
  int ttft_ms = 0;
  int itl_ms = 0;
  int max_num_seqs = 256;
  int max_model_len = 32768;
  uint64_t seed = 0;
  int threads = 2;
  engine_sim::BehaviourFlags behaviour;
};

void AddFlags(CLI::App& command, EngineSimFlags& flags) {
  command.add_option("--host", flags.host, "Address to listen on")->capture_default_str();
  command.add_option("--port", flags.port, "Port to listen on (0 picks a free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command.add_option("--served-model-name", flags.served_model_name, "Model name clients request")
      ->capture_default_str();
  command.add_option("--model", flags.model, "Model path shown as root in /v1/models");
  command.add_option("--startup-ms", flags.startup_ms, "Time until /health answers 200")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command.add_option("--ttft-ms", flags.ttft_ms, "Time from admission to the first token")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command.add_option("--itl-ms", flags.itl_ms, "Time between output tokens")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command.add_option("--max-num-seqs", flags.max_num_seqs, "Requests generated at once")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("--max-model-len", flags.max_model_len, "Prompt plus output token limit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("--seed", flags.seed, "Seed of the generated text")->capture_default_str();
  command.add_option("--threads", flags.threads, "Network threads")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  engine_sim::AddBehaviourFlags(command, flags.behaviour);
}

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started below
  return signals;
}

// vLLM and SGLang open their port only once the model is loaded: until then, connections are
// refused. Returns false when a stop signal came meanwhile.
bool LoadBeforeListening(const sigset_t& stop_signals, int startup_ms) {
  if (startup_ms <= 0) return true;
  timespec wait{startup_ms / 1000, (startup_ms % 1000) * 1000000L};
  return sigtimedwait(&stop_signals, nullptr, &wait) < 0;
}

// How long requests in flight get after SIGTERM, and how long before that the engine lingers.
void ApplyOnTerm(const engine_sim::Behaviour& b, HttpServerOptions& http, int& linger_ms) {
  http.drain_timeout = std::chrono::milliseconds(b.term_seconds * 1000);
  linger_ms = 0;
  if (b.on_term == engine_sim::OnTerm::kAbort) http.drain_timeout = std::chrono::milliseconds(0);
  if (b.on_term == engine_sim::OnTerm::kSlow) {
    linger_ms = b.term_seconds * 1000;
    http.drain_timeout = std::chrono::milliseconds(0);
  }
}

int RunEngineSim(const EngineSimFlags& flags) {
  StatusOr<engine_sim::Behaviour> behaviour = engine_sim::MakeBehaviour(flags.behaviour);
  if (!behaviour.ok()) {
    std::fprintf(stderr, "engine-sim: %s\n", behaviour.status().message().c_str());
    return 2;
  }
  engine_sim::StartWorkers(*behaviour);  // before any thread: they are plain forks
  sigset_t stop_signals = BlockStopSignals();
  bool refuse = behaviour->loading == engine_sim::Loading::kRefuse;
  if (refuse && !LoadBeforeListening(stop_signals, flags.startup_ms)) return 0;

  engine_sim::SchedulerOptions scheduler_options;
  scheduler_options.max_num_seqs = flags.max_num_seqs;
  scheduler_options.ttft = std::chrono::milliseconds(flags.ttft_ms);
  scheduler_options.itl = std::chrono::milliseconds(flags.itl_ms);
  auto timer = std::make_unique<engine_sim::SchedulerThread>(scheduler_options);

  engine_sim::EngineSimOptions options;
  options.served_model_name = flags.served_model_name;
  options.model_path = flags.model;
  options.max_model_len = flags.max_model_len;
  options.seed = flags.seed;
  options.startup = std::chrono::milliseconds(refuse ? 0 : flags.startup_ms);
  options.behaviour = *behaviour;
  options.lora_routes = engine_sim::LoraRoutesOffered(*behaviour);
  engine_sim::EngineSim sim(options, timer->scheduler());

  HttpServerOptions http;
  http.host = flags.host;
  http.port = flags.port;
  http.threads = flags.threads;
  http.max_body_bytes = 32 << 20;  // long prompts
  int linger_ms = 0;
  ApplyOnTerm(*behaviour, http, linger_ms);
  http.handler = [&sim](HttpRequest request, HttpResponder respond) {
    sim.Handle(std::move(request), std::move(respond));
  };
  http.error_response = [](const Status& status) { return engine_sim::ErrorResponse(status); };
  StatusOr<std::unique_ptr<HttpServer>> server = StartHttpServer(std::move(http));
  if (!server.ok()) {
    LOG_ERROR("{}", server.status().ToString());
    return 1;
  }
  std::printf("engine-sim listening on %s:%d\n", flags.host.c_str(), (*server)->port());
  std::fflush(stdout);
  LOG_INFO("engine-sim: model {}, ttft {} ms, itl {} ms, max-num-seqs {}, startup {} ms",
           flags.served_model_name, flags.ttft_ms, flags.itl_ms, flags.max_num_seqs,
           flags.startup_ms);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LOG_INFO("engine-sim: signal {} received; shutting down", signal_number);
  if (linger_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
  (*server)->Stop();
  timer.reset();  // joins the timer thread before `sim` goes away
  return 0;
}

}  // namespace

std::function<int()> AddEngineSimCommand(CLI::App& app) {
  auto flags = std::make_shared<EngineSimFlags>();
  CLI::App* command = app.add_subcommand(
      "engine-sim", "Run the simulated OpenAI-compatible model engine (vLLM-like)");
  AddFlags(*command, *flags);
  return [flags] { return RunEngineSim(*flags); };
}

}  // namespace berth
