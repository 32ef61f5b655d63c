#include "cli/cli_main.h"

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/commands.h"

namespace berth::cli {

std::function<int()> AddClientCommands(CLI::App& app) {
  auto context = std::make_shared<CliContext>();
  AddDeploymentCommands(app, *context);
  AddModelsCommand(app, *context);
  AddUsageCommands(app, *context);
  AddChatCommand(app, *context);
  AddAdminCommands(app, *context);
  return [context] { return context->action ? context->action() : kExitOk; };
}

}  // namespace berth::cli
