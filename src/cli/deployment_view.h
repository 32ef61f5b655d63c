// Human renderings of deployment API answers: one deployment, the list, its events and its
// replicas. Pure functions from the server's `output` JSON to text; call from anywhere.
#pragma once

#include <string>

#include "cli/api_client.h"

namespace berth::cli {

// "4/4" style ready/total capacity of a deployment object.
std::string ReadyText(const Json& deployment);

// A deployment object as aligned "field  value" lines, status coloured when `color`.
std::string RenderDeployment(const Json& deployment, bool color);

// GET /deployments output: a table, then "N of TOTAL deployments (page P)" or "No deployments.".
std::string RenderDeploymentList(const Json& output, bool color);

// GET /deployments/{id}/events output: a table of the events, oldest first.
std::string RenderEvents(const Json& output, bool color);

// GET /deployments/{id}/replicas output: a table of the replicas.
std::string RenderReplicas(const Json& output, bool color);

}  // namespace berth::cli
