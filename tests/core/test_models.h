// Hand-made catalog models shared by the core tests: one per plan shape, so rules are tested
// against known specs rather than the seed price tables.
#pragma once

#include "core/catalog.h"

namespace berth::testing {

// mu only: MU1 x 2 (first, the default) and MU5 x 1.
inline CatalogModel MuModel() {
  CatalogModel m;
  m.model_name = m.base_model = "qwen-plus";
  m.display_name = "Qwen Plus";
  m.mu_specs = {{"MU1", 2, 20.0, std::nullopt, ""}, {"MU5", 1, 50.0, std::nullopt, ""}};
  return m;
}

inline CatalogModel PtuModel() {
  CatalogModel m;
  m.model_name = m.base_model = "qwen-max";
  m.ptu = true;
  return m;
}

// A registered LoRA fine-tune of qwen3-8b.
inline CatalogModel LoraModel() {
  CatalogModel m;
  m.model_name = "qwen3-8b-ft-1";
  m.base_model = "qwen3-8b";
  m.custom = true;
  m.lora = true;
  return m;
}

// The "emo" preset: plan cu, spec CU x 1.
inline CatalogModel CuModel() {
  CatalogModel m;
  m.model_name = m.base_model = "emo";
  m.cu_specs = {{"CU", 1, std::nullopt, std::nullopt, ""}};
  return m;
}

// Offers every plan but cu, to test which plan is the default.
inline CatalogModel MultiPlanModel() {
  CatalogModel m;
  m.model_name = m.base_model = "qwen3-8b";
  m.lora = true;
  m.ptu = true;
  m.mu_specs = {{"MU1", 1, 10.0, std::nullopt, ""}};
  return m;
}

}  // namespace berth::testing
