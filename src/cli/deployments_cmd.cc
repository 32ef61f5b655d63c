// `berth deployments …`: create, list, get, scale, update, stop, start, delete, events,
// replicas and wait, over the /api/v1/deployments routes.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/deployment_view.h"
#include "cli/format.h"
#include "cli/wait.h"

namespace berth::cli {
namespace {

struct WaitArgs {
  bool wait = false;
  std::string target = "running";
  std::string timeout = "10m";
  std::string interval = "1s";
};

// The integer options a command was given, by their JSON names, with their CLI11 handles.
struct IntOptions {
  std::vector<std::pair<std::string, CLI::Option*>> options;
  std::map<std::string, int64_t> values;

  void Add(CLI::App* command, const std::string& flag, const std::string& json_name,
           const std::string& help) {
    options.emplace_back(json_name, command->add_option(flag, values[json_name], help));
  }
  // Copies the given ones into `body` (or into body[object] when `only` names an object).
  bool Fill(Json& body, const std::vector<std::string>& names) const {
    bool any = false;
    for (const auto& [name, option] : options) {
      if (option->count() == 0 || std::find(names.begin(), names.end(), name) == names.end()) {
        continue;
      }
      body[name] = values.at(name);
      any = true;
    }
    return any;
  }
};

const std::vector<std::string> kPtuFields = {"input_tpm", "output_tpm", "thinking_output_tpm"};

void AddWaitOptions(CLI::App* command, WaitArgs* args, bool with_flag, const char* target) {
  if (with_flag) {
    command->add_flag("--wait", args->wait,
                      std::string("Wait until the deployment is ") + target + ", showing progress");
  }
  command->add_option("--timeout", args->timeout, "Give up waiting after this long (e.g. 90s, 10m)")
      ->capture_default_str();
  command->add_option("--interval", args->interval, "How often to poll while waiting")
      ->capture_default_str();
}

// Shows what an operation answered, or waits first when asked; returns the exit code.
int Finish(const CliContext& ctx, const ApiClient& client, const StatusOr<Json>& answer,
           const WaitArgs& wait_args, const WaitOptions& options) {
  if (!answer.ok() || !wait_args.wait)
    return Show(ctx, answer,
                [&ctx](const Json& d) { return RenderDeployment(d, ctx.terminal.color); });
  std::string id = Text(*answer, "deployed_model");
  WaitResult result = WaitForDeployment(client, id, options, ctx.terminal);
  if (result.exit_code == kExitError) return result.exit_code;
  const Json& final_state = result.deployment.is_null() ? *answer : result.deployment;
  if (ctx.common.json()) {
    PrintJson(final_state);
  } else if (!result.deployment.is_null()) {
    Print(RenderDeployment(final_state, ctx.terminal.color));
  }
  return result.exit_code;
}

// Parses the wait flags up front, so a typo fails before anything is changed.
StatusOr<WaitOptions> ParseWait(const WaitArgs& args, WaitFor target) {
  return ParseWaitOptions(target, args.timeout, args.interval);
}

// A command that sends one request about one deployment and may wait afterwards.
struct OpArgs {
  std::string id;
  WaitArgs wait;
};

using Request = std::function<StatusOr<Json>(const ApiClient&, const std::string& id)>;

void AddOp(CLI::App* group, CliContext& ctx, const char* name, const char* help, WaitFor target,
           const char* target_name, Request request) {
  auto args = std::make_shared<OpArgs>();
  CLI::App* cmd = group->add_subcommand(name, help);
  cmd->add_option("deployed_model", args->id, "The deployment's id")->required();
  AddWaitOptions(cmd, &args->wait, true, target_name);
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd, fmt::format("berth deployments {} qwen3-8b-4d36ae3a --wait", name));
  OnRun(cmd, ctx, [&ctx, args, target, request] {
    StatusOr<WaitOptions> wait = ParseWait(args->wait, target);
    if (!wait.ok()) return ReportError(wait.status());
    return WithClient(ctx, [&](const ApiClient& client) {
      return Finish(ctx, client, request(client, args->id), args->wait, *wait);
    });
  });
}

struct CreateArgs {
  std::string model, plan, name, suffix, spec;
  bool enable_thinking = false;
  CLI::Option* thinking_option = nullptr;
  IntOptions ints;
  WaitArgs wait;
};

Json CreateBody(const CreateArgs& a) {
  Json body = {{"model_name", a.model}};
  if (!a.plan.empty()) body["plan"] = a.plan;
  if (!a.name.empty()) body["name"] = a.name;
  if (!a.suffix.empty()) body["suffix"] = a.suffix;
  if (!a.spec.empty()) body["deploy_spec"] = a.spec;
  if (a.thinking_option->count() > 0) body["enable_thinking"] = a.enable_thinking;
  a.ints.Fill(body, {"capacity", "max_context_length", "rpm_limit", "tpm_limit"});
  Json ptu = Json::object();
  if (a.ints.Fill(ptu, kPtuFields)) body["ptu_capacity"] = ptu;
  return body;
}

void AddCreate(CLI::App* group, CliContext& ctx) {
  auto a = std::make_shared<CreateArgs>();
  CLI::App* cmd = group->add_subcommand("create", "Deploy a model");
  cmd->add_option("model", a->model, "Model to deploy (see `berth models`)")->required();
  cmd->add_option("--plan", a->plan, "mu, cu, ptu or lora (default: the model's first plan)");
  a->ints.Add(cmd, "--capacity", "capacity", "Capacity units (mu, cu: a multiple of the spec's)");
  cmd->add_option("--spec", a->spec, "deploy_spec / template, e.g. MU1 (default: the first)");
  cmd->add_option("--name", a->name, "Display name (default: the model name)");
  cmd->add_option("--suffix", a->suffix, "Suffix of the deployed model's id, [a-z0-9]{1,8}");
  a->thinking_option = cmd->add_option("--enable-thinking", a->enable_thinking, "mu: true/false");
  a->ints.Add(cmd, "--max-context-length", "max_context_length", "mu: context length limit");
  a->ints.Add(cmd, "--rpm-limit", "rpm_limit", "mu: requests per minute limit");
  a->ints.Add(cmd, "--tpm-limit", "tpm_limit", "mu: tokens per minute limit");
  a->ints.Add(cmd, "--input-tpm", "input_tpm", "ptu: input tokens per minute");
  a->ints.Add(cmd, "--output-tpm", "output_tpm", "ptu: output tokens per minute");
  a->ints.Add(cmd, "--thinking-output-tpm", "thinking_output_tpm", "ptu: thinking tokens/min");
  AddWaitOptions(cmd, &a->wait, true, "RUNNING");
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd,
             "berth deployments create qwen3-8b --capacity 4 --spec MU1 --wait\n"
             "berth deployments create qwen3-8b --plan ptu --input-tpm 20000");
  OnRun(cmd, ctx, [&ctx, a] {
    StatusOr<WaitOptions> wait = ParseWait(a->wait, WaitFor::kRunning);
    if (!wait.ok()) return ReportError(wait.status());
    return WithClient(ctx, [&](const ApiClient& client) {
      StatusOr<Json> created = client.Post("/deployments", CreateBody(*a));
      if (created.ok() && a->wait.wait && !ctx.common.json()) {
        std::fprintf(stderr, "created %s\n", Text(*created, "deployed_model").c_str());
      }
      return Finish(ctx, client, created, a->wait, *wait);
    });
  });
}

struct ScaleArgs {
  std::string id;
  IntOptions ints;
  WaitArgs wait;
};

void AddScale(CLI::App* group, CliContext& ctx) {
  auto a = std::make_shared<ScaleArgs>();
  CLI::App* cmd = group->add_subcommand("scale", "Change a deployment's capacity");
  cmd->add_option("deployed_model", a->id, "The deployment's id")->required();
  a->ints.Add(cmd, "--capacity", "capacity", "New capacity (mu, cu)");
  a->ints.Add(cmd, "--input-tpm", "input_tpm", "ptu: input tokens per minute");
  a->ints.Add(cmd, "--output-tpm", "output_tpm", "ptu: output tokens per minute");
  a->ints.Add(cmd, "--thinking-output-tpm", "thinking_output_tpm", "ptu: thinking tokens/min");
  AddWaitOptions(cmd, &a->wait, true, "RUNNING at the new capacity");
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd, "berth deployments scale qwen3-8b-4d36ae3a --capacity 8 --wait");
  OnRun(cmd, ctx, [&ctx, a] {
    Json body = Json::object();
    a->ints.Fill(body, {"capacity"});
    Json ptu = Json::object();
    if (a->ints.Fill(ptu, kPtuFields)) body["ptu_capacity"] = ptu;
    if (body.empty()) {
      return ReportError(InvalidArgument("give --capacity, or --input-tpm/--output-tpm for ptu"));
    }
    StatusOr<WaitOptions> wait = ParseWait(a->wait, WaitFor::kRunning);
    if (!wait.ok()) return ReportError(wait.status());
    return WithClient(ctx, [&](const ApiClient& client) {
      return Finish(ctx, client, client.Put(DeploymentPath(a->id, "scale"), body), a->wait, *wait);
    });
  });
}

}  // namespace

void AddDeploymentReadCommands(CLI::App* group, CliContext& ctx);  // deployments_read_cmd.cc
void AddUpdateCommand(CLI::App* group, CliContext& ctx);           // deployments_read_cmd.cc

void AddDeploymentCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* group = app.add_subcommand("deployments", "Manage model deployments (client)");
  group->alias("deployment");
  group->require_subcommand(1);
  AddCreate(group, ctx);
  AddDeploymentReadCommands(group, ctx);
  AddScale(group, ctx);
  AddUpdateCommand(group, ctx);
  AddOp(group, ctx, "stop", "Stop a deployment (its replicas are removed)", WaitFor::kStopped,
        "STOPPED", [](const ApiClient& c, const std::string& id) {
          return c.Put(DeploymentPath(id, "stop"), Json::object());
        });
  AddOp(group, ctx, "start", "Start a stopped or failed deployment", WaitFor::kRunning, "RUNNING",
        [](const ApiClient& c, const std::string& id) {
          return c.Put(DeploymentPath(id, "start"), Json::object());
        });
  AddOp(group, ctx, "delete", "Delete a deployment", WaitFor::kDeleted, "gone",
        [](const ApiClient& c, const std::string& id) { return c.Delete(DeploymentPath(id)); });
}

}  // namespace berth::cli
