#include "engine_sim/behaviour_flags.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

namespace berth::engine_sim {
namespace {

template <typename T>
Status SetWord(const std::string& flag, const std::string& word,
               std::optional<T> (*parse)(std::string_view), T& out) {
  if (word.empty()) return Status::Ok();
  std::optional<T> value = parse(word);
  if (!value) return InvalidArgument("bad value \"" + word + "\" for " + flag);
  out = *value;
  return Status::Ok();
}

void SetInt(int flag, int& out) {
  if (flag != kUnset) out = flag;
}

[[noreturn]] void WorkerMain(bool outlive, pid_t parent) {
  if (!outlive) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The main process may have died between fork() and prctl(): then no signal comes.
    if (::getppid() != parent) ::_exit(0);
  }
  std::fprintf(stderr, "engine-sim: worker pid %d\n", static_cast<int>(::getpid()));
  for (;;) ::pause();  // SIGTERM (default action) ends it
}

}  // namespace

void AddBehaviourFlags(CLI::App& c, BehaviourFlags& f) {
  c.add_option("--personality", f.personality, "Act like vllm, sglang or llamacpp");
  c.add_option("--loading", f.loading, "While starting: 503 (llama.cpp) or refuse (vLLM, SGLang)");
  c.add_option("--health-delay-ms", f.health_delay_ms, "Every /health answers this late");
  c.add_option("--health-lag-ms", f.health_lag_ms, "/health later by this per running request");
  c.add_option("--error-after-tokens", f.error_after_tokens,
               "Streams end with an error event after N tokens");
  c.add_option("--error-done", f.error_done, "yes|no: [DONE] after that error event");
  c.add_option("--fail-status", f.fail_status, "Answer every generation with this status");
  c.add_flag("--empty-error-body", f.empty_error_body, "... with an empty body");
  c.add_option("--error-shape", f.error_shape, "Error bodies as vllm, sglang or llamacpp");
  c.add_option("--lora-api", f.lora_api, "LoRA routes: vllm, sglang or none");
  c.add_flag("--enable-lora", f.enable_lora, "Allow loading LoRA adapters");
  c.add_option("--max-lora-rank", f.max_lora_rank, "Highest adapter rank accepted");
  c.add_option("--reasoning", f.reasoning, "Reasoning field: none, reasoning, reasoning_content");
  c.add_option("--reasoning-tokens", f.reasoning_tokens, "Output tokens that are reasoning");
  c.add_option("--tokens-per-chunk", f.tokens_per_chunk, "Output tokens per stream chunk");
  c.add_option("--prompt-token-delta", f.prompt_token_delta, "Added to prompt_tokens");
  c.add_option("--workers", f.workers, "Worker processes in the engine's process group");
  c.add_flag("--workers-outlive", f.workers_outlive, "Workers live on when the main one dies");
  c.add_option("--on-sigterm", f.on_term, "drain, abort or slow");
  c.add_option("--sigterm-seconds", f.term_seconds, "Drain bound, or how long a slow exit takes");
}

StatusOr<Behaviour> MakeBehaviour(const BehaviourFlags& f) {
  Behaviour b;
  if (!f.personality.empty()) RETURN_IF_ERROR(ApplyPersonality(f.personality, b));
  RETURN_IF_ERROR(SetWord("--loading", f.loading, &ParseLoading, b.loading));
  RETURN_IF_ERROR(SetWord("--error-shape", f.error_shape, &ParseErrorShape, b.error_shape));
  RETURN_IF_ERROR(SetWord("--lora-api", f.lora_api, &ParseLoraApi, b.lora_api));
  RETURN_IF_ERROR(SetWord("--reasoning", f.reasoning, &ParseReasoningField, b.reasoning));
  RETURN_IF_ERROR(SetWord("--on-sigterm", f.on_term, &ParseOnTerm, b.on_term));
  if (!f.error_done.empty() && f.error_done != "yes" && f.error_done != "no") {
    return InvalidArgument("bad value \"" + f.error_done + "\" for --error-done: yes or no");
  }
  if (!f.error_done.empty()) b.done_after_error = f.error_done == "yes";
  SetInt(f.health_delay_ms, b.health_delay_ms);
  SetInt(f.health_lag_ms, b.health_lag_ms_per_running);
  SetInt(f.error_after_tokens, b.error_after_tokens);
  SetInt(f.fail_status, b.fail_status);
  SetInt(f.max_lora_rank, b.max_lora_rank);
  SetInt(f.reasoning_tokens, b.reasoning_tokens);
  SetInt(f.tokens_per_chunk, b.tokens_per_chunk);
  SetInt(f.prompt_token_delta, b.prompt_token_delta);
  SetInt(f.workers, b.workers);
  SetInt(f.term_seconds, b.term_seconds);
  if (f.empty_error_body) b.empty_error_body = true;
  if (f.enable_lora) b.enable_lora = true;
  if (f.workers_outlive) b.workers_outlive = true;
  if (b.fail_status != 0 && (b.fail_status < 400 || b.fail_status > 599)) {
    return InvalidArgument("--fail-status must be from 400 to 599");
  }
  if (b.tokens_per_chunk < 1 || b.workers < 0 || b.workers > 16 || b.term_seconds < 0 ||
      b.health_delay_ms < 0 || b.health_lag_ms_per_running < 0 || b.reasoning_tokens < 0) {
    return InvalidArgument(
        "--tokens-per-chunk must be at least 1, --workers 0 to 16, and delays, "
        "--sigterm-seconds and --reasoning-tokens not negative");
  }
  return b;
}

void StartWorkers(const Behaviour& b) {
  for (int i = 0; i < b.workers; ++i) {
    std::fflush(nullptr);  // nothing buffered is written twice
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) WorkerMain(b.workers_outlive, parent);
    if (pid < 0) std::perror("engine-sim: cannot fork a worker");
  }
}

bool LoraRoutesOffered(const Behaviour& b) {
  if (b.lora_api != LoraApi::kVllm || !b.lora_needs_env) return true;
  const char* allowed = std::getenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING");
  std::string value = allowed == nullptr ? "" : allowed;
  return value == "1" || value == "true" || value == "True" || value == "TRUE";
}

}  // namespace berth::engine_sim
