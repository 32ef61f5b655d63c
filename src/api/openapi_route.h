// GET /api/v1/openapi.json (no key): the OpenAPI 3.1 description of every route berth serves,
// data/openapi.json embedded into the binary at build time (docs/api.md). Served compact, with an
// ETag (If-None-Match answers 304). The handler runs on the API worker pool.
#pragma once

#include <string_view>

#include "api/route_table.h"

namespace berth {

void AddOpenApiRoute(RouteTable& table);

// The embedded document as written in data/openapi.json.
std::string_view EmbeddedOpenApiDocument();

}  // namespace berth
