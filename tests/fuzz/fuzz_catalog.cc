// Fuzz target: a catalog file (`berth serve --catalog FILE`, and the seed's format), loaded by
// LoadCatalogJson for each known region. Properties: no crash, leak or UB; a document is
// accepted or refused with an InvalidArgument; what is accepted has named models, specs of at
// least one unit, and can be looked up by name in a Catalog.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/catalog.h"
#include "fuzz_check.h"
#include "store/catalog_loader.h"

namespace {

using namespace berth;

void CheckModels(const std::vector<CatalogModel>& models) {
  for (const CatalogModel& model : models) {
    FUZZ_CHECK(!model.model_name.empty());
    for (const UnitSpec& spec : model.mu_specs) FUZZ_CHECK(spec.units_per_replica >= 1);
    for (const UnitSpec& spec : model.cu_specs) FUZZ_CHECK(spec.units_per_replica >= 1);
  }
  const Catalog catalog(models);
  for (const CatalogModel& model : models) FUZZ_CHECK(catalog.Find(model.model_name) != nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const std::string& region : KnownRegions()) {
    StatusOr<std::vector<CatalogModel>> models = LoadCatalogJson(text, "fuzz.json", region);
    if (!models.ok()) {
      FUZZ_CHECK(models.status().code() == StatusCode::kInvalidArgument);
      continue;
    }
    CheckModels(*models);
  }
  return 0;
}
