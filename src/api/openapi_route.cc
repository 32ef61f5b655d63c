#include "api/openapi_route.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "api/static_content.h"

namespace berth {

extern const char kOpenApiJson[];
extern const std::size_t kOpenApiJsonSize;

std::string_view EmbeddedOpenApiDocument() {
  return std::string_view(kOpenApiJson, kOpenApiJsonSize);
}

void AddOpenApiRoute(RouteTable& table) {
  // Parsed once: a document that is not JSON fails the build's tests, and is served as a 500
  // rather than as broken JSON.
  auto document = std::make_shared<StatusOr<StaticContent>>(Internal("unparsed"));
  nlohmann::ordered_json parsed =
      nlohmann::ordered_json::parse(EmbeddedOpenApiDocument(), nullptr, false);
  if (parsed.is_discarded()) {
    *document = Internal("the embedded OpenAPI document is not valid JSON");
  } else {
    *document = StaticContent::Make("application/json", parsed.dump(), "");
  }
  table.Add({"GET",
             "/api/v1/openapi.json",
             Access::kPublic,
             BodyRule::kNone,
             {},
             [document](const ApiCall& call) -> StatusOr<HttpResponse> {
               if (!document->ok()) return document->status();
               return (*document)->Answer(*call.http);
             }});
}

}  // namespace berth
