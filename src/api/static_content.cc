#include "api/static_content.h"

#include <cctype>
#include <cstdlib>

#include "common/sha256.h"

namespace berth {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Calls `each` with every comma-separated item of a header value, trimmed.
template <typename Each>
void ForEachItem(std::string_view value, Each each) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    each(Trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  bool accepted = false;
  ForEachItem(accept_encoding, [&](std::string_view item) {
    size_t semi = item.find(';');
    std::string coding = Lower(Trim(item.substr(0, semi)));
    if (coding != "gzip" && coding != "*") return;
    bool refused = false;
    if (semi != std::string_view::npos) {
      std::string params = Lower(item.substr(semi + 1));
      size_t q = params.find("q=");
      refused = q != std::string::npos && std::strtod(params.c_str() + q + 2, nullptr) <= 0.0;
    }
    if (coding == "gzip" || !accepted) accepted = !refused;
  });
  return accepted;
}

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  bool match = false;
  ForEachItem(if_none_match, [&](std::string_view item) {
    if (item.starts_with("W/")) item.remove_prefix(2);
    match = match || item == "*" || item == etag;
  });
  return match;
}

StaticContent StaticContent::Make(std::string content_type, std::string body, std::string gzip) {
  StaticContent content;
  content.content_type = std::move(content_type);
  content.etag = "\"" + Sha256Hex(body).substr(0, 32) + "\"";
  content.body = std::move(body);
  content.gzip = std::move(gzip);
  return content;
}

HttpResponse StaticContent::Answer(const HttpRequest& request) const {
  HttpResponse response;
  response.headers = {{"ETag", etag},
                      {"Cache-Control", cache_control},
                      {"Vary", "Accept-Encoding"},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"}};
  if (content_type.starts_with("text/html")) {
    response.headers.emplace_back("Content-Security-Policy", kConsoleCsp);
    response.headers.emplace_back("X-Frame-Options", "DENY");
  }
  if (EtagMatches(request.Header("If-None-Match"), etag)) {
    response.status = 304;
    response.content_type.clear();
    return response;
  }
  response.content_type = content_type;
  if (!gzip.empty() && AcceptsGzip(request.Header("Accept-Encoding"))) {
    response.headers.emplace_back("Content-Encoding", "gzip");
    response.body = gzip;
  } else {
    response.body = body;
  }
  return response;
}

}  // namespace berth
