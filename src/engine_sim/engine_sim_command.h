// `berth engine-sim`: the command line of the engine simulator. Called from main() only.
#pragma once

#include <functional>

namespace CLI {
class App;
}  // namespace CLI

namespace berth {

// Adds the `engine-sim` subcommand and its flags to `app`. Returns the function that runs it once
// `app` has parsed a command line that chose it: serve until SIGINT or SIGTERM, then return the
// process exit code.
std::function<int()> AddEngineSimCommand(CLI::App& app);

}  // namespace berth
