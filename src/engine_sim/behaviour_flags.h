// The command-line side of engine-sim's Behaviour: the flags (a --personality preset, then
// individual flags that override it), the worker processes it forks into its own process
// group, and the environment gate of vLLM's LoRA routes. Called once, from the main thread of
// `berth engine-sim`, before any other thread exists.
#pragma once

#include <CLI/CLI.hpp>
#include <climits>
#include <string>

#include "common/status.h"
#include "engine_sim/behaviour.h"

namespace berth::engine_sim {

inline constexpr int kUnset = INT_MIN;

// As given on the command line; "" and kUnset: not given (the personality's value stands).
struct BehaviourFlags {
  std::string personality;
  std::string loading, error_shape, lora_api, reasoning, on_term, error_done;
  int health_delay_ms = kUnset, health_lag_ms = kUnset, error_after_tokens = kUnset;
  int fail_status = kUnset, max_lora_rank = kUnset, reasoning_tokens = kUnset;
  int tokens_per_chunk = kUnset, prompt_token_delta = kUnset, workers = kUnset;
  int term_seconds = kUnset;
  bool empty_error_body = false, enable_lora = false, workers_outlive = false;
};

void AddBehaviourFlags(CLI::App& command, BehaviourFlags& flags);

// The personality's behaviour with the individual flags applied. InvalidArgument naming a bad
// word or personality.
StatusOr<Behaviour> MakeBehaviour(const BehaviourFlags& flags);

// Forks `workers` idle processes into this process's group. Unless workers_outlive, each dies
// with the main process (PR_SET_PDEATHSIG); otherwise, like vLLM's GPU workers after a crash of
// the API server, they live on until someone kills the group. Each exits on SIGTERM.
void StartWorkers(const Behaviour& behaviour);

// vLLM registers its LoRA routes only with VLLM_ALLOW_RUNTIME_LORA_UPDATING true.
bool LoraRoutesOffered(const Behaviour& behaviour);

}  // namespace berth::engine_sim
