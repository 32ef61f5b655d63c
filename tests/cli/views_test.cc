// Human renderings of API answers: deployments, bills and usage, from fixed server outputs.
#include <gtest/gtest.h>

#include "cli/deployment_view.h"
#include "cli/usage_view.h"

namespace berth::cli {
namespace {

TEST(DeploymentViewTest, ListTableAndFooter) {
  Json out = Json::parse(R"({"page_no":1,"page_size":50,"total":2,"deployments":[
    {"deployed_model":"qwen3-8b-4d36ae3a","name":"qwen3-8b","status":"RUNNING","plan":"mu",
     "model_unit_spec":"MU1","capacity":4,"ready_capacity":4,"gmt_create":"2026-11-23T09:56:35.934"},
    {"deployed_model":"deepseek-v3-1a2b3c4d","name":"ds","status":"PENDING","plan":"ptu",
     "capacity":12,"ready_capacity":0,"gmt_create":"2026-11-23T10:00:00.000"}]})");
  EXPECT_EQ(RenderDeploymentList(out, false),
            "DEPLOYED MODEL        NAME      PLAN      STATUS   READY  CREATED\n"
            "qwen3-8b-4d36ae3a     qwen3-8b  mu (MU1)  RUNNING    4/4  2026-11-23 09:56:35\n"
            "deepseek-v3-1a2b3c4d  ds        ptu       PENDING   0/12  2026-11-23 10:00:00\n"
            "2 of 2 deployments (page 1)\n");
  EXPECT_EQ(RenderDeploymentList(Json::parse(R"({"deployments":[]})"), false), "No deployments.\n");
}

TEST(DeploymentViewTest, DetailShowsOnlyFieldsTheObjectHas) {
  Json d = Json::parse(R"({"deployed_model":"m-1","name":"m","status":"FAILED","model_name":"m",
    "base_model":"m","base_capacity":2,"capacity":4,"ready_capacity":0,"plan":"mu",
    "model_unit_spec":"MU1","rpm_limit":600,"fail_reason":"no free units","workspace_id":"llm-1",
    "gmt_create":"2026-11-23T09:56:35.934","creator":"key-a",
    "gmt_modified":"2026-11-23T09:57:00.000","modifier":"key-b"})");
  EXPECT_EQ(RenderDeployment(d, false),
            "deployed model:  m-1\n"
            "name:            m\n"
            "status:          FAILED\n"
            "ready:           0/4 (base capacity 2)\n"
            "model:           m\n"
            "plan:            mu (MU1)\n"
            "rpm limit:       600\n"
            "fail reason:     no free units\n"
            "workspace:       llm-1\n"
            "created:         2026-11-23 09:56:35 by key-a\n"
            "modified:        2026-11-23 09:57:00 by key-b\n");
  EXPECT_NE(RenderDeployment(d, true).find("\033[31mFAILED\033[0m"), std::string::npos);
}

TEST(UsageViewTest, BillLinesMoneyAndUnpriced) {
  Json out = Json::parse(R"({"start":"2026-11-23T00:00:00.000","end":"2026-11-24T00:00:00.000",
    "currency":"CNY","lines":[
     {"deployed_model":"m-1","plan":"mu","hour":"2026-11-23T09:00:00.000","item":"MU1",
      "quantity":0.5,"unit":"unit-hour","unit_price":29.704,"amount":14.852,"priced":true},
     {"deployed_model":"m-2","plan":"ptu","hour":"2026-11-23T10:00:00.000","item":"input_tokens",
      "quantity":1200,"unit":"token","unit_price":0,"amount":0,"priced":false}],
    "totals":{"amount":1234.5,"unpriced_tokens":1200}})");
  EXPECT_EQ(RenderBill(out, false),
            "Bill from 2026-11-23 00:00:00 to 2026-11-24 00:00:00 (UTC), CNY\n"
            "HOUR              DEPLOYED MODEL  PLAN  ITEM          QUANTITY  UNIT       "
            "UNIT PRICE    AMOUNT\n"
            "2026-11-23 09:00  m-1             mu    MU1                0.5  unit-hour     "
            "¥29.704    ¥14.85\n"
            "2026-11-23 10:00  m-2             ptu   input_tokens     1,200  token               "
            "-  unpriced\n"
            "Total: ¥1,234.50\n"
            "1,200 tokens have no price in the catalog and are not included\n");
}

TEST(UsageViewTest, UsageHoursAndTotals) {
  Json out = Json::parse(R"({"deployed_model":"m-1","start":"2026-11-23T00:00:00.000",
    "end":"2026-11-23T02:00:00.000","hours":[{"hour":"2026-11-23T01:00:00.000","requests":1200,
    "input_tokens":45000,"output_tokens":9000,"ptu_requests":0,"overflow_requests":0,"errors":2,
    "aborted":1}],"totals":{"requests":1200,"input_tokens":45000,"output_tokens":9000}})");
  EXPECT_EQ(RenderUsage(out, false),
            "m-1: usage from 2026-11-23 00:00:00 to 2026-11-23 02:00:00 (UTC)\n"
            "HOUR              REQUESTS  INPUT TOKENS  OUTPUT TOKENS  PTU  OVERFLOW  ERRORS  "
            "ABORTED\n"
            "2026-11-23 01:00     1,200        45,000          9,000    0         0       2        "
            "1\n"
            "Total: 1,200 requests, 45,000 input tokens, 9,000 output tokens\n");
}

TEST(UsageViewTest, QuantityForms) {
  EXPECT_EQ(FormatQuantity(1234), "1,234");
  EXPECT_EQ(FormatQuantity(0.5), "0.5");
  EXPECT_EQ(FormatQuantity(2.25), "2.25");
}

}  // namespace
}  // namespace berth::cli
