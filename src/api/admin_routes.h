// The admin routes under /api/v1/admin: workspaces, API keys and custom models. Admin keys
// only (the API server enforces Access::kAdmin).
#pragma once

#include "api/route_table.h"
#include "service/auth_service.h"
#include "service/model_registry.h"
#include "store/store.h"

namespace berth {

void AddAdminRoutes(RouteTable& table, AuthService& auth, ModelRegistry& models, Store& store);

}  // namespace berth
