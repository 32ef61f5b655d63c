// ModelTable: the model an engine simulator serves and the LoRA adapters loaded onto it, as
// vLLM's /v1/models lists them. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace berth::engine_sim {

struct ModelCard {
  std::string id;
  std::string root;                   // the model path, or the adapter's path
  std::optional<std::string> parent;  // the base model, for an adapter
  std::optional<int> max_model_len;   // the base model only
  int64_t created = 0;                // Unix seconds
};

class ModelTable {
 public:
  ModelTable(std::string served_model_name, std::string model_path, int max_model_len,
             int64_t created);

  const std::string& served_model_name() const { return base_.id; }
  int max_model_len() const { return *base_.max_model_len; }

  // InvalidArgument if the name is the served model's; AlreadyExists if already loaded.
  Status LoadAdapter(std::string name, std::string path, int64_t created);
  // NotFound if no adapter of that name is loaded.
  Status UnloadAdapter(std::string_view name);
  // Whether `model` is the served model or a loaded adapter.
  bool Serves(std::string_view model) const;
  // The served model first, then adapters in load order.
  std::vector<ModelCard> List() const;

 private:
  const ModelCard base_;
  mutable std::mutex mu_;
  std::vector<ModelCard> adapters_;  // guarded by mu_
};

}  // namespace berth::engine_sim
