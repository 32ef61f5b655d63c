#include "cli/usage_view.h"

#include <fmt/format.h>

#include <cmath>

#include "cli/cli_context.h"
#include "cli/table.h"

namespace berth::cli {
namespace {

const Json& Object(const Json& output, const char* name) {
  static const Json kEmpty = Json::object();
  if (!output.is_object() || !output.contains(name) || !output[name].is_object()) return kEmpty;
  return output[name];
}

std::string Count(const Json& object, const char* name) { return FormatCount(Int(object, name)); }

std::string Period(const Json& output) {
  return fmt::format("{} to {}", ShortTime(Text(output, "start")), ShortTime(Text(output, "end")));
}

}  // namespace

std::string FormatQuantity(double quantity) {
  if (std::fabs(quantity - std::round(quantity)) < 1e-9) {
    return FormatCount(static_cast<int64_t>(std::llround(quantity)));
  }
  std::string text = fmt::format("{:.6f}", quantity);
  while (text.back() == '0') text.pop_back();
  return text;
}

std::string RenderUsage(const Json& output, bool color) {
  std::string out =
      fmt::format("{}: usage from {} (UTC)\n", Text(output, "deployed_model"), Period(output));
  const Json& hours = Array(output, "hours");
  if (hours.empty()) {
    out += "No requests in this period.\n";
  } else {
    const Align r = Align::kRight;
    Table table({{"HOUR"},
                 {"REQUESTS", r},
                 {"INPUT TOKENS", r},
                 {"OUTPUT TOKENS", r},
                 {"PTU", r},
                 {"OVERFLOW", r},
                 {"ERRORS", r},
                 {"ABORTED", r}});
    for (const Json& h : hours) {
      table.AddRow({ShortTime(Text(h, "hour")).substr(0, 16), Count(h, "requests"),
                    Count(h, "input_tokens"), Count(h, "output_tokens"), Count(h, "ptu_requests"),
                    Count(h, "overflow_requests"),
                    Cell(Count(h, "errors"), Int(h, "errors") > 0 ? Style::kBad : Style::kPlain),
                    Count(h, "aborted")});
    }
    out += table.Render(color);
  }
  const Json& totals = Object(output, "totals");
  out += fmt::format("Total: {} requests, {} input tokens, {} output tokens\n",
                     Count(totals, "requests"), Count(totals, "input_tokens"),
                     Count(totals, "output_tokens"));
  return out;
}

std::string RenderBill(const Json& output, bool color) {
  std::string currency = Text(output, "currency");
  std::string out = fmt::format("Bill from {} (UTC), {}\n", Period(output), currency);
  const Json& lines = Array(output, "lines");
  if (lines.empty()) {
    out += "No charges in this period.\n";
  } else {
    const Align r = Align::kRight;
    Table table({{"HOUR"},
                 {"DEPLOYED MODEL"},
                 {"PLAN"},
                 {"ITEM"},
                 {"QUANTITY", r},
                 {"UNIT"},
                 {"UNIT PRICE", r},
                 {"AMOUNT", r}});
    for (const Json& l : lines) {
      bool priced = !l.contains("priced") || l["priced"] != false;
      table.AddRow({ShortTime(Text(l, "hour")).substr(0, 16), Text(l, "deployed_model"),
                    Text(l, "plan"), Text(l, "item"), FormatQuantity(Number(l, "quantity")),
                    Text(l, "unit"),
                    priced ? FormatUnitPrice(Number(l, "unit_price"), currency) : "-",
                    priced ? Cell(FormatMoney(Number(l, "amount"), currency))
                           : Cell("unpriced", Style::kMuted)});
    }
    out += table.Render(color);
  }
  const Json& totals = Object(output, "totals");
  out += "Total: " + FormatMoney(Number(totals, "amount"), currency) + "\n";
  if (Int(totals, "unpriced_tokens") > 0) {
    out += fmt::format("{} tokens have no price in the catalog and are not included\n",
                       Count(totals, "unpriced_tokens"));
  }
  return out;
}

}  // namespace berth::cli
