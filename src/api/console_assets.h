// ConsoleAssets: the web console's built files (index.html, assets/*; see docs/console.md),
// read once at start-up from a directory next to the binary and served from memory at `/` and
// `/assets/...` with their pre-compressed .gz siblings, ETags and the console's
// Content-Security-Policy. Immutable after Load; Serves() and Answer() are safe from any thread
// (the network threads call them directly: nothing here blocks).
#pragma once

#include <map>
#include <string>

#include "api/static_content.h"
#include "common/status.h"
#include "http/http_types.h"

namespace berth {

class ConsoleAssets {
 public:
  // Reads the files under `dir` (a missing directory is not an error: the console then answers
  // with how to build it). Fails only when a file cannot be read or the directory is too big.
  static StatusOr<ConsoleAssets> Load(const std::string& dir);

  // GET or HEAD of `/`, `/index.html` or a path under `/assets/`.
  static bool Serves(const HttpRequest& request);
  HttpResponse Answer(const HttpRequest& request) const;

  bool built() const { return files_.count("/index.html") > 0; }
  size_t file_count() const { return files_.size(); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::map<std::string, StaticContent> files_;  // by URL path, e.g. "/assets/app.js"
};

// The directory `berth serve` reads the console from by default: `console` beside the binary.
std::string DefaultConsoleDir();

}  // namespace berth
