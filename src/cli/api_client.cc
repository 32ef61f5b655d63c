#include "cli/api_client.h"

#include <fmt/format.h>

#include <cctype>

#include "http/http_client.h"

namespace berth::cli {
namespace {

StatusCode CodeForHttp(int http_status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 405:
      return StatusCode::kMethodNotAllowed;
    case 408:
      return StatusCode::kDeadlineExceeded;
    case 409:
      return StatusCode::kAborted;
    case 413:
      return StatusCode::kPayloadTooLarge;
    case 429:
      return StatusCode::kResourceExhausted;
    case 502:
    case 503:
    case 504:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

std::string StringField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::string BaseUrl::ToString() const { return fmt::format("http://{}:{}{}", host, port, path); }

std::string BaseUrl::RootPath() const {
  constexpr std::string_view kApi = "/api/v1";
  std::string_view p = path;
  if (p.ends_with(kApi)) p.remove_suffix(kApi.size());
  return std::string(p);
}

StatusOr<BaseUrl> ParseBaseUrl(std::string_view url) {
  if (url.starts_with("https://")) {
    return InvalidArgument(fmt::format(
        "{}: https is not supported; berth's client speaks plain HTTP. Use an http:// base URL "
        "(for a remote server, e.g. through an SSH tunnel or a local TLS proxy)",
        url));
  }
  auto bad = [&] {
    return InvalidArgument(
        fmt::format("invalid base URL '{}': expected http://HOST[:PORT][/PATH]", url));
  };
  if (!url.starts_with("http://")) return bad();
  std::string_view rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  BaseUrl base;
  base.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!base.path.empty() && base.path.back() == '/') base.path.pop_back();
  size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad();
    base.host = std::string(authority.substr(1, close - 1));
    colon = authority.size() > close + 1 && authority[close + 1] == ':' ? close + 1
                                                                        : std::string_view::npos;
  } else {
    base.host = std::string(authority.substr(0, colon));
  }
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
      return bad();
    }
    base.port = std::stoi(std::string(port));
    if (base.port < 1 || base.port > 65535) return bad();
  }
  if (base.host.empty() || base.host.find_first_of("@ ?#") != std::string::npos) return bad();
  return base;
}

Status ErrorFromResponse(int http_status, std::string_view body) {
  std::string code;
  std::string message;
  std::string request_id;
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    const Json& error =
        parsed.contains("error") && parsed["error"].is_object() ? parsed["error"] : parsed;
    code = StringField(error, "code");
    if (code.empty()) code = StringField(error, "type");
    message = StringField(error, "message");
    request_id = StringField(parsed, "request_id");
  } else {
    message = std::string(body.substr(0, 200));
  }
  if (code.empty()) code = "HTTP" + std::to_string(http_status);
  std::string text = message.empty() ? code : code + ": " + message;
  text += fmt::format(" (HTTP {}", http_status);
  if (!request_id.empty()) text += ", request_id " + request_id;
  text += ")";
  return Status(CodeForHttp(http_status), text);
}

std::string EncodeSegment(std::string_view id) {
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Status ApiClient::ConnectionError(const Status& status) const {
  if (status.code() == StatusCode::kDeadlineExceeded) {
    return Status(status.code(),
                  fmt::format("{} did not answer within {} s", options_.base.ToString(),
                              options_.timeout.count() / 1000));
  }
  if (status.code() != StatusCode::kUnavailable) return status;
  std::string detail = status.message();
  size_t cut = detail.rfind(": ");
  if (cut != std::string::npos) detail = detail.substr(cut + 2);
  return Unavailable(
      fmt::format("cannot reach the berth server at {} ({}). Is `berth serve` running there? Set "
                  "DASHSCOPE_HTTP_BASE_URL or --base-url to point elsewhere.",
                  options_.base.ToString(), detail));
}

StatusOr<Json> ApiClient::Call(std::string_view method, std::string_view path,
                               const Json* body) const {
  HttpClientRequest request;
  request.host = options_.base.host;
  request.port = options_.base.port;
  request.method = std::string(method);
  request.target = options_.base.path + std::string(path);
  request.timeout = options_.timeout;
  request.headers = {{"Authorization", "Bearer " + options_.api_key},
                     {"Accept", "application/json"},
                     {"User-Agent", "berth-cli"}};
  if (!options_.workspace.empty()) {
    request.headers.emplace_back("X-DashScope-WorkSpace", options_.workspace);
  }
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body->dump();
  }
  StatusOr<HttpClientResponse> response = HttpRequestBlocking(request);
  if (!response.ok()) return ConnectionError(response.status());
  if (response->status != 200) return ErrorFromResponse(response->status, response->body);
  Json parsed = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return Internal(fmt::format("{} {}: the server's answer is not a JSON object", method, path));
  }
  if (parsed.contains("code") && parsed["code"].is_string() && !parsed["code"].empty()) {
    return ErrorFromResponse(response->status, response->body);
  }
  return parsed.contains("output") ? parsed["output"] : Json();
}

StatusOr<Json> ApiClient::Get(std::string_view path) const { return Call("GET", path, nullptr); }
StatusOr<Json> ApiClient::Post(std::string_view path, const Json& body) const {
  return Call("POST", path, &body);
}
StatusOr<Json> ApiClient::Put(std::string_view path, const Json& body) const {
  return Call("PUT", path, &body);
}
StatusOr<Json> ApiClient::Delete(std::string_view path) const {
  return Call("DELETE", path, nullptr);
}

Status ApiClient::PostStream(std::string_view root_path, const Json& body,
                             const std::function<bool(std::string_view)>& on_data,
                             std::chrono::milliseconds timeout) const {
  HttpClientRequest request;
  request.host = options_.base.host;
  request.port = options_.base.port;
  request.method = "POST";
  request.target = options_.base.RootPath() + std::string(root_path);
  request.timeout = timeout;
  request.headers = {{"Authorization", "Bearer " + options_.api_key},
                     {"Content-Type", "application/json"},
                     {"Accept", "text/event-stream"},
                     {"User-Agent", "berth-cli"}};
  request.body = body.dump();
  std::string error_body;
  request.on_body = [&](const HttpClientResponse& head, std::string_view data) {
    if (head.status == 200) return on_data(data);
    if (error_body.size() < 65536) error_body += data;
    return true;
  };
  StatusOr<HttpClientResponse> response = HttpRequestBlocking(request);
  if (!response.ok()) return ConnectionError(response.status());
  if (response->status != 200) return ErrorFromResponse(response->status, error_body);
  return Status::Ok();
}

}  // namespace berth::cli
