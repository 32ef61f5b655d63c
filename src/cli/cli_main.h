// The `berth` client commands (deployments, models, usage, bill, chat, admin), which talk to a
// berth server over its HTTP API. Called from main() only.
#pragma once

#include <functional>

namespace CLI {
class App;
}  // namespace CLI

namespace berth::cli {

// Adds the client commands to `app`. Returns the function that runs the chosen one once `app`
// has parsed a command line that chose one, returning the process exit code (0 if none ran).
std::function<int()> AddClientCommands(CLI::App& app);

}  // namespace berth::cli
