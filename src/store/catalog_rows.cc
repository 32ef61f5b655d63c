#include "store/catalog_rows.h"

#include <climits>
#include <optional>

namespace berth::catalog {
namespace {

using nlohmann::json;

// Where a value sits in the document, for error messages: the source name and a JSON path.
class Where {
 public:
  Where(const std::string& source, std::string path) : source_(source), path_(std::move(path)) {}
  Where Index(size_t i) const { return Where(source_, path_ + "[" + std::to_string(i) + "]"); }
  Where Key(const std::string& key) const { return Where(source_, path_ + "." + key); }
  Status Error(const std::string& problem) const {
    return InvalidArgument(source_ + ": " + path_ + ": " + problem);
  }

 private:
  const std::string& source_;
  std::string path_;
};

// obj[key], or nullptr when the key is absent or null (the seed writes null for "no value").
const json* Find(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

StatusOr<std::string> RequiredString(const json& obj, const char* key, const Where& at) {
  const json* value = Find(obj, key);
  if (value == nullptr) return at.Error(std::string("missing required field \"") + key + "\"");
  if (!value->is_string() || value->get_ref<const std::string&>().empty()) {
    return at.Error(std::string(key) + " must be a non-empty string");
  }
  return value->get<std::string>();
}

StatusOr<std::string> OptionalString(const json& obj, const char* key, const Where& at) {
  const json* value = Find(obj, key);
  if (value == nullptr) return std::string();
  if (!value->is_string()) return at.Error(std::string(key) + " must be a string");
  return value->get<std::string>();
}

StatusOr<std::optional<double>> OptionalPrice(const json& obj, const char* key, const Where& at) {
  const json* value = Find(obj, key);
  if (value == nullptr) return std::optional<double>();
  if (!value->is_number() || value->get<double>() < 0) {
    return at.Error(std::string(key) + " must be a non-negative number");
  }
  return std::optional<double>(value->get<double>());
}

StatusOr<std::optional<int64_t>> OptionalPositiveInt(const json& obj, const char* key,
                                                     const Where& at, int64_t max) {
  const json* value = Find(obj, key);
  if (value == nullptr) return std::optional<int64_t>();
  if (!value->is_number_integer() || value->get<int64_t>() <= 0 || value->get<int64_t>() > max) {
    return at.Error(std::string(key) + " must be a positive integer");
  }
  return std::optional<int64_t>(value->get<int64_t>());
}

// A PTU price: n, {"price": n}, or {"non_thinking": n, "thinking": m} (keeps n).
StatusOr<std::optional<double>> PtuPrice(const json& obj, const char* key, const Where& at) {
  const json* value = Find(obj, key);
  if (value == nullptr || value->is_number()) return OptionalPrice(obj, key, at);
  if (value->is_object()) {
    if (value->contains("price")) return OptionalPrice(*value, "price", at.Key(key));
    if (value->contains("non_thinking")) {
      RETURN_IF_ERROR(OptionalPrice(*value, "thinking", at.Key(key)).status());
      return OptionalPrice(*value, "non_thinking", at.Key(key));
    }
  }
  return at.Error(std::string(key) +
                  " must be a number, {\"price\": n} or {\"non_thinking\": n, \"thinking\": n}");
}

// The thinking half of a {"non_thinking": n, "thinking": m} PTU price; absent for other forms.
StatusOr<std::optional<double>> PtuThinkingPrice(const json& obj, const char* key,
                                                 const Where& at) {
  const json* value = Find(obj, key);
  if (value == nullptr || !value->is_object() || !value->contains("non_thinking")) {
    return std::optional<double>();
  }
  return OptionalPrice(*value, "thinking", at.Key(key));
}

// The fields every row has; `plan` is what the row's array implies.
StatusOr<CatalogModel> DecodeCommon(const json& row, const Where& at, const char* plan) {
  if (const json* stated = Find(row, "plan"); stated != nullptr && plan != nullptr) {
    if (!stated->is_string() || stated->get_ref<const std::string&>() != plan) {
      return at.Error(std::string("plan must be \"") + plan + "\" in this array, got " +
                      stated->dump());
    }
  }
  CatalogModel model;
  ASSIGN_OR_RETURN(model.model_name, RequiredString(row, "model_name", at));
  ASSIGN_OR_RETURN(model.display_name, OptionalString(row, "model_display_name", at));
  if (model.display_name.empty()) model.display_name = model.model_name;
  ASSIGN_OR_RETURN(model.category, OptionalString(row, "category", at));
  model.base_model = model.model_name;
  return model;
}

StatusOr<UnitSpec> DecodeSpec(const json& obj, const Where& at) {
  if (!obj.is_object()) return at.Error("a spec must be an object");
  UnitSpec spec;
  ASSIGN_OR_RETURN(spec.spec, RequiredString(obj, "spec", at));
  ASSIGN_OR_RETURN(std::optional<int64_t> units,
                   OptionalPositiveInt(obj, "units_per_replica", at, INT_MAX));
  if (!units) return at.Error("units_per_replica must be a positive integer");
  spec.units_per_replica = static_cast<int>(*units);
  ASSIGN_OR_RETURN(spec.hourly_price, OptionalPrice(obj, "hourly_price", at));
  ASSIGN_OR_RETURN(spec.monthly_price, OptionalPrice(obj, "monthly_price", at));
  ASSIGN_OR_RETURN(spec.note, OptionalString(obj, "note", at));
  return spec;
}

StatusOr<std::vector<UnitSpec>> DecodeSpecs(const json& row, const Where& at) {
  const json* specs = Find(row, "specs");
  if (specs == nullptr) return at.Error("missing required field \"specs\"");
  if (!specs->is_array() || specs->empty()) return at.Error("specs must be a non-empty array");
  std::vector<UnitSpec> out;
  for (size_t i = 0; i < specs->size(); ++i) {
    ASSIGN_OR_RETURN(UnitSpec spec, DecodeSpec((*specs)[i], at.Key("specs").Index(i)));
    out.push_back(std::move(spec));
  }
  return out;
}

StatusOr<PtuPrices> DecodePtuPrices(const json& row, const Where& at) {
  PtuPrices p;
  ASSIGN_OR_RETURN(p.payg_input_per_10k_tpm_hour, PtuPrice(row, "payg_input_per_10k_tpm_hour", at));
  ASSIGN_OR_RETURN(p.payg_output_per_1k_tpm_hour, PtuPrice(row, "payg_output_per_1k_tpm_hour", at));
  ASSIGN_OR_RETURN(p.payg_thinking_output_per_1k_tpm_hour,
                   PtuThinkingPrice(row, "payg_output_per_1k_tpm_hour", at));
  ASSIGN_OR_RETURN(p.subscription_input_per_10k_tpm_day,
                   PtuPrice(row, "subscription_input_per_10k_tpm_day", at));
  ASSIGN_OR_RETURN(p.subscription_output_per_1k_tpm_day,
                   PtuPrice(row, "subscription_output_per_1k_tpm_day", at));
  ASSIGN_OR_RETURN(p.max_input_tokens, OptionalPositiveInt(row, "max_input_tokens", at, INT64_MAX));
  return p;
}

StatusOr<TokenPrices> DecodeTokenPrices(const json& row, const Where& at) {
  TokenPrices p;
  ASSIGN_OR_RETURN(p.input_per_1k, OptionalPrice(row, "input_per_1k_tokens", at));
  ASSIGN_OR_RETURN(p.output_per_1k_non_thinking,
                   OptionalPrice(row, "output_per_1k_tokens_non_thinking", at));
  ASSIGN_OR_RETURN(p.output_per_1k_thinking,
                   OptionalPrice(row, "output_per_1k_tokens_thinking", at));
  return p;
}

enum class Section { kMu, kCu, kPtu, kLora, kPaygToken };

struct SectionInfo {
  const char* key;
  Section section;
  const char* plan;  // the "plan" rows may state, or nullptr for no check
};

constexpr SectionInfo kSections[] = {
    {"mu", Section::kMu, "mu"},
    {"cu", Section::kCu, "cu"},
    {"ptu", Section::kPtu, "ptu"},
    {"token_usage", Section::kLora, "lora"},
    {"payg_token", Section::kPaygToken, nullptr},
};

StatusOr<CatalogModel> DecodeRow(const json& row, const Where& at, const SectionInfo& info) {
  ASSIGN_OR_RETURN(CatalogModel model, DecodeCommon(row, at, info.plan));
  // Braces: ASSIGN_OR_RETURN declares a temporary, which a case label may not jump over.
  switch (info.section) {
    case Section::kMu: {
      ASSIGN_OR_RETURN(model.mu_specs, DecodeSpecs(row, at));
      break;
    }
    case Section::kCu: {
      ASSIGN_OR_RETURN(model.cu_specs, DecodeSpecs(row, at));
      break;
    }
    case Section::kPtu: {
      model.ptu = true;
      ASSIGN_OR_RETURN(model.ptu_prices, DecodePtuPrices(row, at));
      break;
    }
    case Section::kLora:
    case Section::kPaygToken: {
      model.lora = info.section == Section::kLora;
      ASSIGN_OR_RETURN(model.token_prices, DecodeTokenPrices(row, at));
      break;
    }
  }
  return model;
}

}  // namespace

StatusOr<std::vector<CatalogModel>> DecodeCatalog(const json& document, const std::string& source,
                                                  const std::string& region) {
  if (!document.is_object()) return InvalidArgument(source + ": the catalog must be an object");
  std::vector<CatalogModel> models;
  for (const SectionInfo& info : kSections) {
    const json* rows = Find(document, info.key);
    if (rows == nullptr) continue;
    Where section(source, info.key);
    if (!rows->is_array()) return section.Error("must be an array of rows");
    for (size_t i = 0; i < rows->size(); ++i) {
      const json& row = (*rows)[i];
      Where at = section.Index(i);
      if (!row.is_object()) return at.Error("a row must be an object");
      ASSIGN_OR_RETURN(std::string row_region, RequiredString(row, "region", at));
      ASSIGN_OR_RETURN(CatalogModel model, DecodeRow(row, at, info));
      if (row_region == region) MergeCatalogModel(models, std::move(model));
    }
  }
  return models;
}

}  // namespace berth::catalog
