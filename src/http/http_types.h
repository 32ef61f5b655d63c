// Plain HTTP request and response values exchanged between the http layer and handlers.
// No Beast types here, so handlers compile without Beast headers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/api/v1/deployments?page_no=2"
  std::string path;    // target before '?', still percent-encoded
  std::string query;   // target after '?', without it
  HeaderList headers;  // names as received
  std::string body;
  std::string remote_address;

  // The first header with this name (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers
  std::string body;
};

// Handlers answer exactly once by calling the responder, from any thread, at any later time.
using HttpResponder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, HttpResponder)>;

}  // namespace berth
