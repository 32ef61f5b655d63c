#include "store/catalog_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "store/catalog_rows.h"

namespace berth {
namespace {

// nlohmann prefixes its messages with "[json.exception.parse_error.101] "; the rest is the
// useful part (line, column, what was expected).
std::string ParseErrorText(const std::string& what) {
  size_t end = what.find("] ");
  if (what.rfind("[json.exception.", 0) == 0 && end != std::string::npos) {
    return what.substr(end + 2);
  }
  return what;
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("catalog file " + path + ": " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return InvalidArgument("catalog file " + path + ": read failed");
  return content.str();
}

Status MergeFile(std::vector<CatalogModel>& into, const std::string& path,
                 const std::string& region) {
  ASSIGN_OR_RETURN(std::vector<CatalogModel> extra, LoadCatalogFile(path, region));
  for (CatalogModel& model : extra) MergeCatalogModel(into, std::move(model));
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& KnownRegions() {
  static const std::vector<std::string> regions = {"cn-beijing", "ap-southeast-1"};
  return regions;
}

StatusOr<std::vector<CatalogModel>> LoadCatalogJson(std::string_view json,
                                                    const std::string& source_name,
                                                    const std::string& region) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json.begin(), json.end());
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(source_name + ": invalid JSON: " + ParseErrorText(e.what()));
  }
  try {
    return catalog::DecodeCatalog(document, source_name, region);
  } catch (const nlohmann::json::exception& e) {
    // The decoder checks types before reading them; this is a safety net, not a code path.
    return InvalidArgument(source_name + ": " + ParseErrorText(e.what()));
  }
}

StatusOr<std::vector<CatalogModel>> LoadCatalogFile(const std::string& path,
                                                    const std::string& region) {
  ASSIGN_OR_RETURN(std::string content, ReadFile(path));
  return LoadCatalogJson(content, path, region);
}

std::vector<CatalogModel> BuiltinPresets() {
  CatalogModel emo;
  emo.model_name = "emo";
  emo.display_name = "emo";
  emo.category = "Preset";
  emo.base_model = "emo";
  UnitSpec cu;
  cu.spec = "CU";
  cu.units_per_replica = 1;
  emo.cu_specs.push_back(cu);
  return {emo};
}

StatusOr<std::vector<CatalogModel>> LoadRegionCatalog(const std::vector<std::string>& extra_paths,
                                                      const std::string& region) {
  return LoadRegionCatalog("", extra_paths, region);
}

StatusOr<std::vector<CatalogModel>> LoadRegionCatalog(const std::string& seed_path,
                                                      const std::vector<std::string>& extra_paths,
                                                      const std::string& region) {
  const std::vector<std::string>& known = KnownRegions();
  if (std::find(known.begin(), known.end(), region) == known.end()) {
    return InvalidArgument("unknown region \"" + region + "\" (known: cn-beijing, ap-southeast-1)");
  }
  std::vector<CatalogModel> models;
  if (seed_path.empty()) {
    ASSIGN_OR_RETURN(
        models, LoadCatalogJson(EmbeddedSeedCatalog(), "seed-catalog.json (built in)", region));
  } else {
    ASSIGN_OR_RETURN(models, LoadCatalogFile(seed_path, region));
  }
  for (CatalogModel& preset : BuiltinPresets()) MergeCatalogModel(models, std::move(preset));
  for (const std::string& path : extra_paths) RETURN_IF_ERROR(MergeFile(models, path, region));
  return models;
}

}  // namespace berth
