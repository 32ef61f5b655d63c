// The client command groups. Each adds its subcommands to the root `berth` app; a chosen
// command's callback stores what to run in `context.action`. Called from cli_main.cc only.
#pragma once

#include <string>

#include "cli/cli_context.h"

namespace berth::cli {

// "/deployments/<id>[/<action>]" with the id percent-encoded.
inline std::string DeploymentPath(const std::string& id, const std::string& action = "") {
  std::string path = "/deployments/" + EncodeSegment(id);
  return action.empty() ? path : path + "/" + action;
}

void AddDeploymentCommands(CLI::App& app, CliContext& context);  // deployments_cmd.cc
void AddModelsCommand(CLI::App& app, CliContext& context);       // models_cmd.cc
void AddUsageCommands(CLI::App& app, CliContext& context);       // usage_cmd.cc: usage, bill
void AddChatCommand(CLI::App& app, CliContext& context);         // chat_cmd.cc
void AddAdminCommands(CLI::App& app, CliContext& context);       // admin_cmd.cc

}  // namespace berth::cli
