// Naming rules for deployments: deployed_model ids, suffixes, display names, model names.
// Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "core/deployment.h"

namespace berth {

inline constexpr size_t kMaxSuffixLength = 8;
inline constexpr size_t kMaxDisplayNameLength = 128;
inline constexpr size_t kMaxModelNameLength = 128;
inline constexpr size_t kMaxWorkspaceNameLength = 64;

// 1-8 characters of [a-z0-9]; InvalidArgument otherwise.
Status ValidateSuffix(std::string_view suffix);
// Valid UTF-8 of 1-128 characters (code points, not bytes), none of them a control character
// (C0, DEL or C1); InvalidArgument otherwise.
Status ValidateDisplayName(std::string_view name);
// A workspace's name: the rules of a display name, at most 64 characters.
Status ValidateWorkspaceName(std::string_view name);
// A model id: 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit.
Status ValidateModelName(std::string_view model_name);

// The first 8 hex digits of SHA-256(workspace_id + "/" + model_name).
std::string NameHash(std::string_view workspace_id, std::string_view model_name);

// lora: model_name[-suffix]; other plans: model_name-{NameHash}[-suffix]. Deterministic, so a
// second deployment of a model without a new suffix collides (Conflict), as the API documents.
std::string DeployedModelName(Plan plan, std::string_view workspace_id, std::string_view model_name,
                              std::string_view suffix);

}  // namespace berth
