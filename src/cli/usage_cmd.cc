// `berth usage` (GET /api/v1/deployments/{id}/usage) and `berth bill` (GET /api/v1/billing).
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/commands.h"
#include "cli/usage_view.h"

namespace berth::cli {
namespace {

struct PeriodArgs {
  std::string id;  // usage: the deployment; bill: an optional filter
  std::string start;
  std::string end;
};

void AddPeriodOptions(CLI::App* cmd, PeriodArgs* a) {
  cmd->add_option("--start", a->start,
                  "Start of the period, UTC: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (server default "
                  "when omitted)");
  cmd->add_option("--end", a->end, "End of the period (exclusive), same forms as --start");
}

// "?start=…&end=…" with only the given ones, plus `extra` ("name=value", encoded by the caller).
std::string Query(const PeriodArgs& a, const std::string& extra) {
  std::string query;
  auto add = [&](const std::string& part) { query += (query.empty() ? "?" : "&") + part; };
  if (!a.start.empty()) add("start=" + EncodeSegment(a.start));
  if (!a.end.empty()) add("end=" + EncodeSegment(a.end));
  if (!extra.empty()) add(extra);
  return query;
}

void AddUsage(CLI::App& app, CliContext& ctx) {
  auto a = std::make_shared<PeriodArgs>();
  CLI::App* cmd = app.add_subcommand("usage", "Show a deployment's hourly usage (client)");
  cmd->add_option("deployed_model", a->id, "The deployment's id")->required();
  AddPeriodOptions(cmd, a.get());
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd, "berth usage qwen3-8b-4d36ae3a --start 2026-11-23 --end 2026-11-24");
  OnRun(cmd, ctx, [&ctx, a] {
    return WithClient(ctx, [&](const ApiClient& client) {
      return Show(ctx, client.Get(DeploymentPath(a->id, "usage") + Query(*a, "")),
                  [&](const Json& out) { return RenderUsage(out, ctx.terminal.color); });
    });
  });
}

void AddBill(CLI::App& app, CliContext& ctx) {
  auto a = std::make_shared<PeriodArgs>();
  CLI::App* cmd = app.add_subcommand("bill", "Show the bill for a period (client)");
  AddPeriodOptions(cmd, a.get());
  cmd->add_option("--deployment", a->id, "Only this deployed model");
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd,
             "berth bill --start 2026-11-01 --end 2026-12-01\n"
             "berth bill --deployment qwen3-8b-4d36ae3a -o json");
  OnRun(cmd, ctx, [&ctx, a] {
    return WithClient(ctx, [&](const ApiClient& client) {
      std::string filter = a->id.empty() ? "" : "deployed_model=" + EncodeSegment(a->id);
      return Show(ctx, client.Get("/billing" + Query(*a, filter)),
                  [&](const Json& out) { return RenderBill(out, ctx.terminal.color); });
    });
  });
}

}  // namespace

void AddUsageCommands(CLI::App& app, CliContext& ctx) {
  AddUsage(app, ctx);
  AddBill(app, ctx);
}

}  // namespace berth::cli
