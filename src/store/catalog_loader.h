// Catalog loading: turns price-table JSON (the seed catalog built into the binary, and extra
// files given with --catalog) into the CatalogModels of one region. Pure functions of their
// inputs plus file reads; safe to call from any thread, normally once at startup.
//
// File format (see data/seed-catalog.json): a JSON object with arrays of rows; every row has
// "region", "model_name", optional "model_display_name", optional "plan" (checked against the
// array when present). Other top-level keys ("source", "notes", ...) are ignored.
//   "mu":          {"category"?, "specs": [{"spec", "units_per_replica", "hourly_price"?,
//                  "monthly_price"?, "note"?}]}                  → mu_specs
//   "ptu":         {"max_input_tokens"?, "payg_input_per_10k_tpm_hour"?,
//                  "payg_output_per_1k_tpm_hour"?, "subscription_input_per_10k_tpm_day"?,
//                  "subscription_output_per_1k_tpm_day"?}        → ptu = true, ptu_prices
//                  A price is a number, {"price": n}, or {"non_thinking": n, "thinking": m}
//                  (the payg output price keeps both, for billing thinking output TPM;
//                  subscription prices keep the non-thinking one).
//   "token_usage": {"input_per_1k_tokens"?, "output_per_1k_tokens_non_thinking"?,
//                  "output_per_1k_tokens_thinking"?}            → lora = true, token_prices
// berth extensions, for --catalog files:
//   "cu":          rows shaped like "mu" rows                   → cu_specs (unit presets)
//   "payg_token":  rows shaped like "token_usage" rows          → token_prices only (per-token
//                  prices for pay-as-you-go metering, without offering plan lora)
// Rows naming the same model merge into one CatalogModel (MergeCatalogModel); later rows and
// later files replace specs with the same id. Errors are InvalidArgument naming the source and
// the JSON path, e.g. "catalog.json: mu[3].specs[0]: units_per_replica must be a positive
// integer".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/catalog.h"

namespace berth {

// The regions berth knows price tables for: "cn-beijing" (the default) and "ap-southeast-1".
const std::vector<std::string>& KnownRegions();

// The models of `region` described by the catalog document `json`. `source_name` prefixes
// error messages. Every row is validated, whatever its region.
StatusOr<std::vector<CatalogModel>> LoadCatalogJson(std::string_view json,
                                                    const std::string& source_name,
                                                    const std::string& region);

// As LoadCatalogJson, reading the file at `path` (named by `path` in errors).
StatusOr<std::vector<CatalogModel>> LoadCatalogFile(const std::string& path,
                                                    const std::string& region);

// The seed catalog (data/seed-catalog.json) as embedded into the binary at build time.
std::string_view EmbeddedSeedCatalog();

// Models every region offers regardless of price tables: "emo" (plan cu, spec "CU" with one
// unit per replica, unpriced, category "Preset").
std::vector<CatalogModel> BuiltinPresets();

// The catalog of `region`: the embedded seed, then the built-in presets, then each extra file
// in order. InvalidArgument for an unknown region or a bad file.
StatusOr<std::vector<CatalogModel>> LoadRegionCatalog(const std::vector<std::string>& extra_paths,
                                                      const std::string& region);
// As above with the seed read from `seed_path` instead (the embedded seed if it is empty).
StatusOr<std::vector<CatalogModel>> LoadRegionCatalog(const std::string& seed_path,
                                                      const std::vector<std::string>& extra_paths,
                                                      const std::string& region);

}  // namespace berth
