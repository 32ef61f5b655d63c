#include "api/console_assets.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/api_errors.h"
#include "common/random.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

// Bounds on what is held in memory: the console is ~100 KB; anything far larger is a mistake.
constexpr size_t kMaxFiles = 64;
constexpr uintmax_t kMaxFileBytes = 8u << 20;

std::string ContentTypeFor(const fs::path& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(path.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

StatusOr<std::string> ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Internal("cannot read " + path.string());
  return text.str();
}

}  // namespace

std::string DefaultConsoleDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "console";
  return (exe.parent_path() / "console").string();
}

StatusOr<ConsoleAssets> ConsoleAssets::Load(const std::string& dir) {
  ConsoleAssets assets;
  assets.dir_ = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return assets;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path& path = it->path();
    if (!it->is_regular_file() || path.extension() == ".gz") continue;
    if (assets.files_.size() >= kMaxFiles) return InvalidArgument(dir + " holds too many files");
    if (fs::file_size(path) > kMaxFileBytes) return InvalidArgument(path.string() + " is too big");
    ASSIGN_OR_RETURN(std::string body, ReadWhole(path));
    std::string gzip;
    fs::path gz = path.string() + ".gz";
    if (fs::is_regular_file(gz)) {
      ASSIGN_OR_RETURN(gzip, ReadWhole(gz));
    }
    std::string url = "/" + fs::relative(path, dir).generic_string();
    assets.files_.emplace(
        url, StaticContent::Make(ContentTypeFor(path), std::move(body), std::move(gzip)));
  }
  if (ec) return Internal("cannot list " + dir + ": " + ec.message());
  return assets;
}

bool ConsoleAssets::Serves(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  const std::string& path = request.path;
  return path == "/" || path == "/index.html" || path.starts_with("/assets/");
}

HttpResponse ConsoleAssets::Answer(const HttpRequest& request) const {
  std::string path = request.path == "/" ? "/index.html" : request.path;
  auto it = files_.find(path);
  if (it != files_.end()) return it->second.Answer(request);
  std::string message =
      built() ? "No console file " + request.path
              : "The console is not built in " + dir_ +
                    ": run scripts/build-console.sh (docs/console.md); the API works without it";
  HttpResponse response = ErrorResponse(NotFound(message), RandomUuid());
  return response;
}

}  // namespace berth
