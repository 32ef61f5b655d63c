#include "engine_sim/model_table.h"

#include <algorithm>
#include <utility>

namespace berth::engine_sim {

ModelTable::ModelTable(std::string served_model_name, std::string model_path, int max_model_len,
                       int64_t created)
    : base_{std::move(served_model_name), std::move(model_path), std::nullopt, max_model_len,
            created} {}

Status ModelTable::LoadAdapter(std::string name, std::string path, int64_t created) {
  if (name == base_.id) {
    return InvalidArgument("The lora adapter '" + name + "' has the served model's name.");
  }
  std::lock_guard lock(mu_);
  for (const ModelCard& adapter : adapters_) {
    if (adapter.id == name) {
      return AlreadyExists("The lora adapter '" + name + "' has already been loaded.");
    }
  }
  adapters_.push_back({std::move(name), std::move(path), base_.id, std::nullopt, created});
  return Status::Ok();
}

Status ModelTable::UnloadAdapter(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(adapters_.begin(), adapters_.end(),
                         [&](const ModelCard& adapter) { return adapter.id == name; });
  if (it == adapters_.end()) {
    return NotFound("The lora adapter '" + std::string(name) + "' cannot be found.");
  }
  adapters_.erase(it);
  return Status::Ok();
}

bool ModelTable::Serves(std::string_view model) const {
  if (model == base_.id) return true;
  std::lock_guard lock(mu_);
  return std::any_of(adapters_.begin(), adapters_.end(),
                     [&](const ModelCard& adapter) { return adapter.id == model; });
}

std::vector<ModelCard> ModelTable::List() const {
  std::lock_guard lock(mu_);
  std::vector<ModelCard> cards;
  cards.reserve(adapters_.size() + 1);
  cards.push_back(base_);
  cards.insert(cards.end(), adapters_.begin(), adapters_.end());
  return cards;
}

}  // namespace berth::engine_sim
