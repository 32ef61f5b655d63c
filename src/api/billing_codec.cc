#include "api/billing_codec.h"

#include <cmath>

#include "common/time_format.h"

namespace berth {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr int kAmountDigits = 6;
constexpr int kQuantityDigits = 6;
constexpr int kUnitPriceDigits = 8;

OrderedJson EncodeLine(const BillingLine& line) {
  OrderedJson j;
  j["deployed_model"] = line.deployed_model;
  j["plan"] = PlanName(line.plan);
  j["hour"] = FormatApiTime(line.hour);
  j["item"] = ItemName(line.item, line.plan);
  j["quantity"] = RoundTo(line.quantity, kQuantityDigits);
  j["unit"] = ItemUnit(line.item);
  if (IsTokenItem(line.item)) j["tokens"] = line.tokens;
  j["unit_price"] =
      line.unit_price ? OrderedJson(RoundTo(*line.unit_price, kUnitPriceDigits)) : OrderedJson();
  j["amount"] = RoundTo(line.amount, kAmountDigits);
  j["priced"] = line.unit_price.has_value();
  j["charge_type"] = line.charge_type;
  j["billing_method"] = line.billing_method;
  return j;
}

}  // namespace

double RoundTo(double value, int digits) {
  double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

OrderedJson EncodeBillingReport(const BillingReport& report) {
  OrderedJson lines = OrderedJson::array();
  for (const BillingLine& line : report.lines) lines.push_back(EncodeLine(line));
  OrderedJson totals;
  totals["amount"] = RoundTo(report.total_amount, kAmountDigits);
  totals["unpriced_lines"] = report.unpriced_lines;
  totals["unpriced_tokens"] = report.unpriced_tokens;
  OrderedJson j;
  j["start"] = FormatApiTime(report.start);
  j["end"] = FormatApiTime(report.end);
  j["currency"] = report.currency;
  j["lines"] = std::move(lines);
  j["totals"] = std::move(totals);
  return j;
}

OrderedJson EncodeHourlyCost(Plan plan, const std::optional<double>& amount,
                             const std::string& currency) {
  OrderedJson j;
  j["amount"] = amount ? OrderedJson(RoundTo(*amount, kAmountDigits)) : OrderedJson();
  j["currency"] = currency;
  if (plan == Plan::kLora) {
    j["note"] = "lora deployments are billed per token, not per hour";
  } else if (!amount) {
    j["note"] = "the catalog has no price for this capacity";
  }
  return j;
}

}  // namespace berth
