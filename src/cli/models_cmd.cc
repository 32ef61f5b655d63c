// `berth models`: the deployable models (GET /api/v1/deployments/models?version=v1.0) with
// their plans and specs.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/commands.h"
#include "cli/table.h"

namespace berth::cli {
namespace {

struct ModelsArgs {
  bool custom = false;
  int page = 1;
  int page_size = 200;
};

// "MU1 ×4 29.70/h" for each template or cu spec of each plan.
std::string SpecsText(const Json& model) {
  std::string out;
  if (!model.contains("plans") || !model["plans"].is_array()) return out;
  for (const Json& plan : model["plans"]) {
    for (const char* list : {"templates", "cu_specs"}) {
      if (!plan.contains(list) || !plan[list].is_array()) continue;
      for (const Json& spec : plan[list]) {
        if (!out.empty()) out += ", ";
        out += fmt::format("{} ×{}", Text(spec, "deploy_spec"),
                           Int(spec, "capacity_unit_per_instance"));
        if (spec.contains("hourly_price")) {
          out += " " + FormatMoney(Number(spec, "hourly_price"), "") + "/h";
        }
      }
    }
  }
  return out;
}

std::string PlansText(const Json& model) {
  std::string out;
  if (!model.contains("supported_plans") || !model["supported_plans"].is_array()) return out;
  for (const Json& plan : model["supported_plans"]) {
    if (!out.empty()) out += ",";
    out += plan.is_string() ? plan.get<std::string>() : plan.dump();
  }
  return out;
}

std::string RenderModels(const Json& output, bool color) {
  if (!output.contains("models") || !output["models"].is_array() || output["models"].empty()) {
    return "No models.\n";
  }
  Table table({{"MODEL"}, {"PLANS"}, {"SPECS (units per replica, price per hour)"}});
  for (const Json& m : output["models"]) {
    std::string name = Text(m, "model_name");
    if (Text(m, "base_model") != name && !Text(m, "base_model").empty()) {
      name += " (" + Text(m, "base_model") + ")";
    }
    table.AddRow({name, PlansText(m), SpecsText(m)});
  }
  return table.Render(color) + fmt::format("{} of {} models (page {})\n", output["models"].size(),
                                           Int(output, "total"), Int(output, "page_no"));
}

}  // namespace

void AddModelsCommand(CLI::App& app, CliContext& ctx) {
  auto a = std::make_shared<ModelsArgs>();
  CLI::App* cmd = app.add_subcommand("models", "List the models that can be deployed (client)");
  cmd->add_flag("--custom", a->custom, "Custom (fine-tuned) models instead of base models");
  cmd->add_option("--page", a->page, "Page number")->check(CLI::PositiveNumber);
  cmd->add_option("--page-size", a->page_size, "Models per page (1-200)")
      ->check(CLI::Range(1, 200))
      ->capture_default_str();
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd, "berth models\nberth models --custom -o json");
  OnRun(cmd, ctx, [&ctx, a] {
    return WithClient(ctx, [&](const ApiClient& client) {
      std::string query = fmt::format("/deployments/models?version=v1.0&page_no={}&page_size={}",
                                      a->page, a->page_size);
      if (a->custom) query += "&model_source=custom";
      return Show(ctx, client.Get(query),
                  [&](const Json& out) { return RenderModels(out, ctx.terminal.color); });
    });
  });
}

}  // namespace berth::cli
