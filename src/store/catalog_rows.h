// Internal to the catalog loader: decoding the row arrays of a parsed catalog document into
// CatalogModels (format in catalog_loader.h). Pure functions, callable from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/catalog.h"

namespace berth::catalog {

// The models of `region` in `document`, rows of one model merged. Validates every row;
// InvalidArgument("<source>: <json path>: <problem>") on the first bad one.
StatusOr<std::vector<CatalogModel>> DecodeCatalog(const nlohmann::json& document,
                                                  const std::string& source,
                                                  const std::string& region);

}  // namespace berth::catalog
