// `berth deployments list|get|events|replicas|wait|update`: the commands that read a deployment
// (and update, which takes nullable limits).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/commands.h"
#include "cli/deployment_view.h"
#include "cli/format.h"
#include "cli/wait.h"

namespace berth::cli {
namespace {

struct ListArgs {
  std::string plan;
  int page = 1;
  int page_size = 50;
};

void AddList(CLI::App* group, CliContext& ctx) {
  auto a = std::make_shared<ListArgs>();
  CLI::App* cmd = group->add_subcommand("list", "List the workspace's deployments, newest first");
  cmd->alias("ls");
  cmd->add_option("--plan", a->plan, "Only this plan (mu, cu, ptu, lora)");
  cmd->add_option("--page", a->page, "Page number")->check(CLI::PositiveNumber);
  cmd->add_option("--page-size", a->page_size, "Deployments per page (1-200)")
      ->check(CLI::Range(1, 200));
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd, "berth deployments list --plan mu\nberth deployments list -o json");
  OnRun(cmd, ctx, [&ctx, a] {
    return WithClient(ctx, [&](const ApiClient& client) {
      std::string query = fmt::format("?page_no={}&page_size={}", a->page, a->page_size);
      if (!a->plan.empty()) query += "&plan=" + EncodeSegment(a->plan);
      return Show(ctx, client.Get("/deployments" + query),
                  [&](const Json& out) { return RenderDeploymentList(out, ctx.terminal.color); });
    });
  });
}

// get, events and replicas: one GET about one deployment, rendered by `render`.
void AddRead(CLI::App* group, CliContext& ctx, const char* name, const char* help,
             const char* action, std::string (*render)(const Json&, bool)) {
  auto id = std::make_shared<std::string>();
  CLI::App* cmd = group->add_subcommand(name, help);
  cmd->add_option("deployed_model", *id, "The deployment's id")->required();
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd, fmt::format("berth deployments {} qwen3-8b-4d36ae3a", name));
  OnRun(cmd, ctx, [&ctx, id, action, render] {
    return WithClient(ctx, [&](const ApiClient& client) {
      return Show(ctx, client.Get(DeploymentPath(*id, action)),
                  [&](const Json& out) { return render(out, ctx.terminal.color); });
    });
  });
}

struct WaitCmdArgs {
  std::string id;
  std::string target = "running";
  std::string timeout = "10m";
  std::string interval = "1s";
};

void AddWait(CLI::App* group, CliContext& ctx) {
  auto a = std::make_shared<WaitCmdArgs>();
  CLI::App* cmd = group->add_subcommand(
      "wait", "Wait until a deployment is running (or stopped, or deleted), showing progress");
  cmd->add_option("deployed_model", a->id, "The deployment's id")->required();
  cmd->add_option("--for", a->target, "running (all units ready), stopped or deleted")
      ->check(CLI::IsMember({"running", "stopped", "deleted"}))
      ->capture_default_str();
  cmd->add_option("--timeout", a->timeout, "Give up after this long (e.g. 90s, 10m, 1h)")
      ->capture_default_str();
  cmd->add_option("--interval", a->interval, "How often to poll")->capture_default_str();
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd,
             "berth deployments wait qwen3-8b-4d36ae3a --timeout 5m\n"
             "berth deployments wait qwen3-8b-4d36ae3a --for deleted");
  cmd->footer(cmd->get_footer() +
              "\n\nExit status: 0 reached, 2 the deployment failed (or can no longer get "
              "there), 3 timed out, 1 request error.");
  OnRun(cmd, ctx, [&ctx, a] {
    StatusOr<WaitFor> target = ParseWaitFor(a->target);
    if (!target.ok()) return ReportError(target.status());
    StatusOr<WaitOptions> parsed = ParseWaitOptions(*target, a->timeout, a->interval);
    if (!parsed.ok()) return ReportError(parsed.status());
    const WaitOptions options = *parsed;
    return WithClient(ctx, [&](const ApiClient& client) {
      WaitResult result = WaitForDeployment(client, a->id, options, ctx.terminal);
      if (result.exit_code != kExitError && !result.deployment.is_null()) {
        if (ctx.common.json()) {
          PrintJson(result.deployment);
        } else {
          Print(RenderDeployment(result.deployment, ctx.terminal.color));
        }
      }
      return result.exit_code;
    });
  });
}

struct UpdateArgs {
  std::string id;
  std::string rpm_limit;
  std::string tpm_limit;
};

// "none" (or "null") removes a limit; otherwise a whole number.
StatusOr<Json> LimitValue(const std::string& flag, const std::string& text) {
  if (text == "none" || text == "null") return Json();
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != text.npos) {
    return InvalidArgument(
        fmt::format("{} must be a whole number or 'none', not '{}'", flag, text));
  }
  return Json(std::stoll(text));
}

void AddUpdateCommandImpl(CLI::App* group, CliContext& ctx) {
  auto a = std::make_shared<UpdateArgs>();
  CLI::App* cmd = group->add_subcommand("update", "Change a mu deployment's rate limits");
  cmd->add_option("deployed_model", a->id, "The deployment's id")->required();
  CLI::Option* rpm = cmd->add_option("--rpm-limit", a->rpm_limit, "Requests/minute, or none");
  CLI::Option* tpm = cmd->add_option("--tpm-limit", a->tpm_limit, "Tokens/minute, or none");
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd, "berth deployments update qwen3-8b-4d36ae3a --rpm-limit 600 --tpm-limit none");
  OnRun(cmd, ctx, [&ctx, a, rpm, tpm] {
    Json body = Json::object();
    for (auto [option, name, text] : {std::tuple(rpm, "rpm_limit", &a->rpm_limit),
                                      std::tuple(tpm, "tpm_limit", &a->tpm_limit)}) {
      if (option->count() == 0) continue;
      StatusOr<Json> value = LimitValue(option->get_name(), *text);
      if (!value.ok()) return ReportError(value.status());
      body[name] = *value;
    }
    if (body.empty()) return ReportError(InvalidArgument("give --rpm-limit and/or --tpm-limit"));
    return WithClient(ctx, [&](const ApiClient& client) {
      return Show(ctx, client.Put(DeploymentPath(a->id, "update"), body),
                  [&](const Json& d) { return RenderDeployment(d, ctx.terminal.color); });
    });
  });
}

}  // namespace

void AddDeploymentReadCommands(CLI::App* group, CliContext& ctx) {
  AddList(group, ctx);
  AddRead(group, ctx, "get", "Show one deployment", "", RenderDeployment);
  AddRead(group, ctx, "events", "Show a deployment's lifecycle events, oldest first", "events",
          RenderEvents);
  AddRead(group, ctx, "replicas", "Show the replicas running a deployment", "replicas",
          RenderReplicas);
  AddWait(group, ctx);
}

void AddUpdateCommand(CLI::App* group, CliContext& ctx) { AddUpdateCommandImpl(group, ctx); }

}  // namespace berth::cli
