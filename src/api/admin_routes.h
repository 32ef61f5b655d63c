// The admin routes under /api/v1/admin: workspaces, API keys and custom models. Admin keys
// only (the API server enforces Access::kAdmin). The store is reached only through the services.
#pragma once

#include "api/route_table.h"
#include "service/admin_service.h"
#include "service/auth_service.h"
#include "service/model_registry.h"

namespace berth {

void AddAdminRoutes(RouteTable& table, AuthService& auth, ModelRegistry& models,
                    AdminService& admin);

}  // namespace berth
