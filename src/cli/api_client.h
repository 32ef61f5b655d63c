// ApiClient: the client commands' view of a berth (or DashScope) server. Parses the base URL,
// sends the API key, decodes the `output` of a success and turns the DashScope error shape
// {"request_id","code","message"} into a Status. Blocking; one instance per command, one thread.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace berth::cli {

// Key order preserved, so `-o json` prints the server's output as the server wrote it.
using Json = nlohmann::ordered_json;

struct BaseUrl {
  std::string host;
  int port = 80;
  std::string path;  // without a trailing '/', e.g. "/api/v1"

  std::string ToString() const;  // "http://host:port/path"
  // The server's root (the path with its trailing "/api/v1" removed): where
  // "/compatible-mode/v1/..." lives.
  std::string RootPath() const;
};

// Accepts "http://HOST[:PORT][/PATH]". `https://` fails with InvalidArgument saying TLS is not
// supported; anything else that is not such a URL fails with InvalidArgument.
StatusOr<BaseUrl> ParseBaseUrl(std::string_view url);

// A server error as Status: the message is "CODE: message (HTTP n, request_id r)". Bodies that
// are not the DashScope shape (OpenAI's {"error":{...}} or non-JSON) are described as well as
// they can be.
Status ErrorFromResponse(int http_status, std::string_view body);

struct ApiClientOptions {
  BaseUrl base;
  std::string api_key;
  std::string workspace;  // X-DashScope-WorkSpace when set
  std::chrono::milliseconds timeout{30000};
};

class ApiClient {
 public:
  explicit ApiClient(ApiClientOptions options) : options_(std::move(options)) {}

  // `path` is relative to the base URL ("/deployments?page_no=2"). Each returns the response's
  // `output` (a null Json if absent). Errors: the server's (see ErrorFromResponse), Unavailable
  // naming the base URL when it cannot be reached, DeadlineExceeded on timeout.
  StatusOr<Json> Get(std::string_view path) const;
  StatusOr<Json> Post(std::string_view path, const Json& body) const;
  StatusOr<Json> Put(std::string_view path, const Json& body) const;
  StatusOr<Json> Delete(std::string_view path) const;

  // POSTs `body` to `root_path` (relative to the server's root, not the base path) and hands
  // each piece of a 200 response's body to `on_data` as it arrives; `on_data` returns false to
  // stop. A non-200 answer is an error as above.
  Status PostStream(std::string_view root_path, const Json& body,
                    const std::function<bool(std::string_view)>& on_data,
                    std::chrono::milliseconds timeout) const;

  const BaseUrl& base() const { return options_.base; }

 private:
  StatusOr<Json> Call(std::string_view method, std::string_view path, const Json* body) const;
  Status ConnectionError(const Status& status) const;

  ApiClientOptions options_;
};

// Percent-encodes an id for use as one path segment ("model/test" → "model%2Ftest").
std::string EncodeSegment(std::string_view id);

}  // namespace berth::cli
