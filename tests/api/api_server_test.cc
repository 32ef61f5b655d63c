#include "api/api_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>

#include "common/time_format.h"
#include "service/service_env.h"

namespace berth {
namespace {

using nlohmann::json;

struct Reply {
  int status = 0;
  HeaderList headers;
  json body;

  std::string Header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return "";
  }
};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Init().ok());
    StatusOr<Workspace> ws = env_.auth->CreateWorkspace("default");
    ASSERT_TRUE(ws.ok());
    workspace_ = ws->workspace_id;
    StatusOr<NewApiKey> admin = env_.auth->CreateKey(workspace_, true);
    StatusOr<NewApiKey> user = env_.auth->CreateKey(workspace_, false);
    ASSERT_TRUE(admin.ok() && user.ok());
    admin_key_ = admin->secret;
    user_key_ = user->secret;
    server_ = std::make_unique<ApiServer>(Deps(), 2);
  }

  // What the server under test is made of: the ServiceEnv's services and fake clock.
  ApiDeps Deps() {
    return ApiDeps{env_.auth.get(),
                   env_.models.get(),
                   env_.deployments.get(),
                   env_.billing.get(),
                   env_.admin.get(),
                   "cn-beijing",
                   {},
                   &env_.clock};
  }

  // Sends one request through ApiServer::Handle and waits for the responder.
  Reply Send(const std::string& method, const std::string& target, const std::string& key = "",
             const std::string& body = "", HeaderList headers = {}) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string::npos ? "" : target.substr(q + 1);
    if (!key.empty()) request.headers.emplace_back("Authorization", "Bearer " + key);
    bool typed = false;
    for (auto& header : headers) {
      typed = typed || header.first == "Content-Type";
      request.headers.push_back(std::move(header));
    }
    if (!body.empty() && !typed) request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;

    auto promise = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> future = promise->get_future();
    server_->Handle(std::move(request),
                    [promise](HttpResponse response) { promise->set_value(std::move(response)); });
    Reply reply;
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << method << " " << target << ": no response";
      return reply;
    }
    HttpResponse response = future.get();
    reply.status = response.status;
    reply.headers = response.headers;
    reply.body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(reply.body.is_discarded()) << response.body;
    if (!reply.body.is_discarded() && reply.body.contains("request_id")) {
      EXPECT_EQ(reply.Header("X-Request-Id"), reply.body["request_id"]) << target;
    }
    return reply;
  }

  void ExpectError(const Reply& r, int status, const std::string& code,
                   const std::string& message = "") {
    EXPECT_EQ(r.status, status) << r.body.dump();
    EXPECT_EQ(r.body.value("code", ""), code) << r.body.dump();
    if (!message.empty()) {
      EXPECT_EQ(r.body.value("message", ""), message);
    }
    EXPECT_FALSE(r.body.contains("output"));
  }

  testing::ServiceEnv env_;
  std::string workspace_, admin_key_, user_key_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(ApiServerTest, SuccessEnvelopeHasNoCode) {
  Reply r = Send("GET", "/api/v1/deployments", user_key_);
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(r.body.contains("request_id"));
  EXPECT_FALSE(r.body["request_id"].get<std::string>().empty());
  EXPECT_FALSE(r.body.contains("code"));
  EXPECT_EQ(r.body["output"]["total"], 0);
  EXPECT_EQ(r.body["output"]["page_no"], 1);
  EXPECT_EQ(r.body["output"]["page_size"], 50);
  EXPECT_TRUE(r.body["output"]["deployments"].is_array());
}

TEST_F(ApiServerTest, ReusesAPlainClientRequestId) {
  Reply r = Send("GET", "/api/v1/deployments", user_key_, "", {{"X-Request-Id", "trace-42"}});
  EXPECT_EQ(r.body["request_id"], "trace-42");
  r = Send("GET", "/api/v1/deployments", user_key_, "", {{"X-Request-Id", "bad id\"{"}});
  EXPECT_NE(r.body["request_id"], "bad id\"{");
}

TEST_F(ApiServerTest, CreateGetAndConflict) {
  const std::string body = R"({"model_name": "qwen3-8b", "capacity": 4})";
  Reply created = Send("POST", "/api/v1/deployments", user_key_, body);
  ASSERT_EQ(created.status, 200) << created.body.dump();
  std::string id = created.body["output"]["deployed_model"];
  EXPECT_EQ(created.body["output"]["status"], "PENDING");
  EXPECT_EQ(created.body["output"]["workspace_id"], workspace_);
  EXPECT_EQ(env_.trigger.ids(), std::vector<std::string>{id});

  Reply got = Send("GET", "/api/v1/deployments/" + id, user_key_);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body["output"]["capacity"], 4);
  EXPECT_EQ(got.body["output"]["base_capacity"], 2);

  ExpectError(Send("POST", "/api/v1/deployments", user_key_, body), 409, "Conflict",
              "Deployed model " + id + " already exists, please specify a suffix.");
  ExpectError(Send("GET", "/api/v1/deployments/nope", user_key_), 404, "NotFound",
              "Model: nope not found!");
  ExpectError(Send("PUT", "/api/v1/deployments/" + id + "/scale", user_key_, R"({"capacity": 3})"),
              400, "InvalidParameter",
              "Invalid capacity (3), capacity must be larger than or equal to 0 and multiples of "
              "2 and less than 1000!");
  ExpectError(Send("POST", "/api/v1/deployments", user_key_,
                   R"({"model_name": "qwen3-8b", "capacity": "8"})"),
              400, "InvalidParameter", "capacity must be an integer, got string \"8\"");
}

TEST_F(ApiServerTest, CreateAndScaleCarryTheEstimatedHourlyCost) {
  // qwen3-8b of the test catalog: MU1 x 2 at 20.0 a replica-hour, 10.0 a unit-hour.
  Reply created = Send("POST", "/api/v1/deployments", user_key_,
                       R"({"model_name": "qwen3-8b", "capacity": 4})");
  ASSERT_EQ(created.status, 200) << created.body.dump();
  EXPECT_EQ(created.body["output"]["estimated_hourly_cost"],
            json({{"amount", 40.0}, {"currency", "USD"}}));
  std::string id = created.body["output"]["deployed_model"];
  Reply scaled =
      Send("PUT", "/api/v1/deployments/" + id + "/scale", user_key_, R"({"capacity": 6})");
  ASSERT_EQ(scaled.status, 200) << scaled.body.dump();
  EXPECT_EQ(scaled.body["output"]["estimated_hourly_cost"]["amount"], 60.0);
  Reply lora = Send("POST", "/api/v1/deployments", user_key_,
                    R"({"model_name": "qwen3-8b", "plan": "lora", "capacity": 1})");
  ASSERT_EQ(lora.status, 200) << lora.body.dump();
  EXPECT_TRUE(lora.body["output"]["estimated_hourly_cost"]["amount"].is_null());
  EXPECT_EQ(lora.body["output"]["estimated_hourly_cost"]["note"],
            "lora deployments are billed per token, not per hour");
}

TEST_F(ApiServerTest, BillingListsTheLedgerOfTheWorkspace) {
  Reply created = Send("POST", "/api/v1/deployments", user_key_,
                       R"({"model_name": "qwen3-8b", "capacity": 4})");
  ASSERT_EQ(created.status, 200);
  StatusOr<Deployment> d = env_.store->GetDeployment(created.body["output"]["deployed_model"]);
  ASSERT_TRUE(d.ok());
  d->status = DeploymentStatus::kRunning;
  d->ready_capacity = 4;
  ASSERT_TRUE(
      env_.store->UpdateDeployment(*d, {MakeEvent(*d, "StatusChanged", "", "r", d->created)}).ok());
  env_.clock.Advance(std::chrono::minutes(30));
  std::string range = "start=" + FormatApiTime(d->created - std::chrono::hours(1)) +
                      "&end=" + FormatApiTime(d->created + std::chrono::hours(2));
  Reply r = Send("GET", "/api/v1/billing?" + range, user_key_);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const json& out = r.body["output"];
  EXPECT_EQ(out["currency"], "USD");
  double amount = 0;
  for (const json& line : out["lines"]) {
    EXPECT_EQ(line["item"], "mu_units");
    EXPECT_EQ(line["unit"], "unit-hour");
    EXPECT_EQ(line["unit_price"], 10.0);
    EXPECT_EQ(line["priced"], true);
    EXPECT_EQ(line["billing_method"], "POST_PAY");
    amount += line["amount"].get<double>();
  }
  EXPECT_NEAR(amount, 20.0, 1e-6);  // 4 units for half an hour at 10.0
  EXPECT_EQ(out["totals"]["amount"], 20.0);
  EXPECT_EQ(out["totals"]["unpriced_tokens"], 0);
  r = Send("GET", "/api/v1/billing?" + range + "&deployed_model=other", user_key_);
  EXPECT_TRUE(r.body["output"]["lines"].empty());
}

// The gateway writes usage in batches; the usage and billing routes store what is queued first,
// so a read counts every request answered before it.
TEST_F(ApiServerTest, UsageAndBillingStoreQueuedUsageBeforeTheyRead) {
  Reply created = Send("POST", "/api/v1/deployments", user_key_,
                       R"({"model_name": "qwen3-8b", "capacity": 2})");
  ASSERT_EQ(created.status, 200) << created.body.dump();
  const std::string id = created.body["output"]["deployed_model"];
  StatusOr<Deployment> d = env_.store->GetDeployment(id);
  ASSERT_TRUE(d.ok());
  int flushes = 0;
  ApiDeps deps = Deps();
  deps.flush_usage = [&] {  // what UsageRecorder::Flush does with one queued record
    ++flushes;
    UsageRecord record;
    record.deployed_model = id;
    record.deployment_uid = d->uid;
    record.workspace_id = workspace_;
    record.key_id = "k";
    record.time = env_.clock.Now() - std::chrono::minutes(1);  // the period ends at Now()
    record.input_tokens = 1000;
    record.output_tokens = 10;
    ASSERT_TRUE(env_.store->AppendUsage({record}).ok());
  };
  server_ = std::make_unique<ApiServer>(std::move(deps), 1);

  Reply usage = Send("GET", "/api/v1/deployments/" + id + "/usage", user_key_);
  ASSERT_EQ(usage.status, 200) << usage.body.dump();
  EXPECT_EQ(flushes, 1);
  EXPECT_EQ(usage.body["output"]["totals"]["requests"], 1) << usage.body.dump();
  EXPECT_EQ(usage.body["output"]["totals"]["input_tokens"], 1000);

  Reply bill = Send("GET", "/api/v1/billing?deployed_model=" + id, user_key_);
  ASSERT_EQ(bill.status, 200) << bill.body.dump();
  EXPECT_EQ(flushes, 2);
  // A refused read stores nothing.
  EXPECT_EQ(Send("GET", "/api/v1/billing?start=2026-11-02&end=2026-11-01", user_key_).status, 400);
  EXPECT_EQ(
      Send("GET", "/api/v1/deployments/" + id + "/usage?start=2026-11-02&end=2026-11-01", user_key_)
          .status,
      400);
  EXPECT_EQ(Send("GET", "/api/v1/deployments/" + id + "/usage").status, 401);
  EXPECT_EQ(flushes, 2);
}

TEST_F(ApiServerTest, BillingRejectsBadRanges) {
  const std::string path = "/api/v1/billing";
  ExpectError(
      Send("GET", path + "?end=2026-11-23T00:00:00&start=2026-11-23T00:00:00.001", user_key_), 400,
      "InvalidParameter", "end must be later than start");
  ExpectError(Send("GET", path + "?start=yesterday&end=2026-11-23", user_key_), 400,
              "InvalidParameter",
              "start must be a UTC time like 2026-11-23T10:00:00.000 or a date like 2026-11-23, "
              "in the years 1678 to 2261, got 'yesterday'");
  // Out of SystemTime's range these used to wrap around (9999-12-31 answered a day in 1816).
  ExpectError(Send("GET", path + "?start=9999-12-31", user_key_), 400, "InvalidParameter",
              "start must be a UTC time like 2026-11-23T10:00:00.000 or a date like 2026-11-23, "
              "in the years 1678 to 2261, got '9999-12-31'");
  ExpectError(Send("GET", path + "?start=1500-01-01&end=1500-01-02", user_key_), 400,
              "InvalidParameter");
  Reply created =
      Send("POST", "/api/v1/deployments", user_key_, R"({"model_name": "emo", "capacity": 1})");
  ASSERT_EQ(created.status, 200) << created.body.dump();
  std::string usage = "/api/v1/deployments/" +
                      created.body["output"]["deployed_model"].get<std::string>() + "/usage";
  ExpectError(Send("GET", usage + "?end=9999-12-31", user_key_), 400, "InvalidParameter",
              "end must be a UTC time like 2026-11-23T10:00:00.000 or a date like 2026-11-23, "
              "in the years 1678 to 2261, got '9999-12-31'");
  ExpectError(Send("GET", path + "?start=2026-11-23&end=2026-11-23", user_key_), 400,
              "InvalidParameter", "end must be later than start");
  ExpectError(Send("GET", path + "?start=2026-10-01&end=2026-11-23", user_key_), 400,
              "InvalidParameter", "the range from start to end must not exceed 31 days");
  ExpectError(Send("GET", path + "?start=2026-11-01&end=2026-11-02"), 401, "InvalidApiKey");
}

TEST_F(ApiServerTest, AuthErrors) {
  ExpectError(Send("GET", "/api/v1/deployments"), 401, "InvalidApiKey", "No API-key provided.");
  ExpectError(Send("GET", "/api/v1/deployments", "sk-wrong"), 401, "InvalidApiKey",
              "Invalid API-key provided.");
  ExpectError(Send("GET", "/api/v1/admin/workspaces", user_key_), 403, "AccessDenied");
  Reply admin = Send("GET", "/api/v1/admin/workspaces", admin_key_);
  EXPECT_EQ(admin.status, 200);
  EXPECT_EQ(admin.body["output"]["total"], 1);
  ExpectError(Send("GET", "/api/v1/deployments", user_key_, "",
                   {{"X-DashScope-WorkSpace", "llm-someoneelse0000"}}),
              403, "AccessDenied", "Workspace access denied.");
}

TEST_F(ApiServerTest, BodyRules) {
  ExpectError(Send("POST", "/api/v1/deployments", user_key_, "", {{"Content-Type", "text/plain"}}),
              400, "InvalidParameter", "request body is empty; expected a JSON object");
  Reply r = Send("POST", "/api/v1/deployments", user_key_,
                 R"({"model_name": "qwen3-8b", "capacity": 4})", {{"Content-Type", "text/plain"}});
  ExpectError(r, 400, "InvalidParameter",
              "Content-Type must be application/json, got 'text/plain'");
  EXPECT_TRUE(env_.trigger.ids().empty());
  r = Send("POST", "/api/v1/deployments", user_key_, R"({"model_name": "emo", "capacity": 1})",
           {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(r.status, 200) << r.body.dump();
  ExpectError(Send("POST", "/api/v1/deployments", user_key_, "{not json"), 400, "InvalidParameter");
  ExpectError(Send("POST", "/api/v1/deployments", user_key_, "[1]"), 400, "InvalidParameter",
              "request body must be a JSON object, got array");
}

TEST_F(ApiServerTest, RoutingErrors) {
  ExpectError(Send("GET", "/api/v1/nothing", user_key_), 404, "NotFound");
  ExpectError(Send("GET", "/api/v1/nothing"), 404, "NotFound");  // before auth
  Reply r = Send("PATCH", "/api/v1/deployments", user_key_);
  ExpectError(r, 405, "MethodNotAllowed");
  EXPECT_EQ(r.Header("Allow"), "POST, GET");
  ExpectError(Send("GET", "/api/v1/deployments/%zz", user_key_), 400, "InvalidParameter");
  ExpectError(Send("GET", "/api/v1/deployments?page_size=500", user_key_), 400, "InvalidParameter",
              "page_size must be between 1 and 200, got 500");
}

TEST_F(ApiServerTest, EncodedIdsAndTrailingSlash) {
  Reply created =
      Send("POST", "/api/v1/deployments/", user_key_, R"({"model_name": "emo", "capacity": 1})");
  ASSERT_EQ(created.status, 200) << created.body.dump();
  std::string id = created.body["output"]["deployed_model"];
  std::string encoded = id;
  encoded.replace(encoded.find('-'), 1, "%2D");
  Reply got = Send("GET", "/api/v1/deployments/" + encoded, user_key_);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body["output"]["deployed_model"], id);
}

TEST_F(ApiServerTest, HealthIsPublic) {
  Reply r = Send("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["output"]["status"], "ok");
  EXPECT_EQ(r.body["output"]["region"], "cn-beijing");
}

TEST_F(ApiServerTest, HeadIsRoutedLikeGet) {
  EXPECT_EQ(Send("HEAD", "/healthz").status, 200);
  EXPECT_EQ(Send("HEAD", "/api/v1/deployments", user_key_).status, 200);
  ExpectError(Send("HEAD", "/api/v1/deployments"), 401, "InvalidApiKey");
}

// The adversarial pass's crash: ~90,000 levels of nesting overflowed the stack when a field
// was copied or dumped. Every route that reads a JSON body refuses it with a 400.
TEST_F(ApiServerTest, DeeplyNestedBodiesAre400OnEveryJsonRoute) {
  Reply ptu = Send("POST", "/api/v1/deployments", user_key_,
                   R"({"model_name": "qwen-max", "plan": "ptu"})");
  ASSERT_EQ(ptu.status, 200) << ptu.body.dump();
  std::string id = ptu.body["output"]["deployed_model"];
  const std::string deep = std::string(90000, '[') + std::string(90000, ']');
  struct Case {
    std::string method, path, body, field;
  };
  const Case cases[] = {
      {"POST", "/api/v1/deployments", R"({"model_name": "qwen3-8b", "capacity": )" + deep + "}",
       "capacity"},
      {"PUT", "/api/v1/deployments/" + id + "/scale", R"({"capacity": )" + deep + "}", "capacity"},
      {"PUT", "/api/v1/deployments/" + id + "/scale", R"({"ptu_capacity": )" + deep + "}",
       "ptu_capacity"},
      {"PUT", "/api/v1/deployments/" + id + "/update", R"({"rpm_limit": )" + deep + "}",
       "rpm_limit"},
      {"DELETE", "/api/v1/deployments/" + id, R"({"x": )" + deep + "}", "x"},
      {"POST", "/api/v1/admin/workspaces", R"({"name": )" + deep + "}", "name"},
  };
  for (const Case& c : cases) {
    ExpectError(Send(c.method, c.path, admin_key_, c.body), 400, "InvalidParameter",
                "request body nests JSON deeper than 128 levels (in " + c.field + ")");
  }
  EXPECT_EQ(Send("GET", "/api/v1/deployments/" + id, user_key_).body["output"]["status"],
            "PENDING");
}

TEST_F(ApiServerTest, NumbersOutOfRangeAre400NamingTheField) {
  Reply ptu = Send("POST", "/api/v1/deployments", user_key_,
                   R"({"model_name": "qwen-max", "plan": "ptu"})");
  ASSERT_EQ(ptu.status, 200) << ptu.body.dump();
  std::string scale =
      "/api/v1/deployments/" + ptu.body["output"]["deployed_model"].get<std::string>() + "/scale";
  struct Case {
    std::string path, body, message;
  };
  const std::string create = "/api/v1/deployments";
  const Case cases[] = {
      {create, R"({"model_name": "qwen3-8b", "capacity": 1E400})",
       "capacity is a number out of range: 1E400"},
      {create, R"({"model_name": "qwen3-8b", "capacity": 99999999999999999999})",
       "capacity must be an integer, got number 1e+20"},
      {create, R"({"model_name": "qwen3-8b", "capacity": 9223372036854775807})",
       "Invalid capacity (9223372036854775807), capacity must be larger than or equal to 0 and "
       "multiples of 2 and less than 1000!"},
      {create, R"({"model_name": "qwen3-8b", "capacity": 2, "rpm_limit": 18446744073709551615})",
       "rpm_limit must be an integer in range, got number 18446744073709551615"},
      {scale, R"({"ptu_capacity": {"input_tpm": -1e999}})",
       "ptu_capacity.input_tpm is a number out of range: -1e999"},
      {scale, R"({"ptu_capacity": {"output_tpm": 9223372036854775807}})",
       "ptu_capacity.output_tpm must be a multiple of 1000 between 1000 and 1000000000, got "
       "9223372036854775807"},
  };
  for (const Case& c : cases) {
    std::string method = c.path == create ? "POST" : "PUT";
    ExpectError(Send(method, c.path, user_key_, c.body), 400, "InvalidParameter", c.message);
  }
  ExpectError(Send("GET", "/api/v1/deployments?page_no=99999999999999999999", user_key_), 400,
              "InvalidParameter", "page_no must be an integer, got '99999999999999999999'");
}

// Any key could create a ptu deployment of 200,000 replicas (every tpm field at its maximum).
TEST_F(ApiServerTest, PtuCapacityIsBoundedLikeMuCapacity) {
  ExpectError(Send("POST", "/api/v1/deployments", user_key_,
                   R"({"model_name": "qwen-max", "plan": "ptu", "ptu_capacity": {
                         "input_tpm": 1000000000, "output_tpm": 1000000000,
                         "thinking_output_tpm": 1000000000}})"),
              400, "InvalidParameter",
              "ptu_capacity.input_tpm 1000000000 needs 10000 replicas of 100000 tpm each; at "
              "most 999 replicas are allowed (up to 99900000 tpm)");
  Reply ptu = Send("POST", "/api/v1/deployments", user_key_,
                   R"({"model_name": "qwen-max", "plan": "ptu", "ptu_capacity": {
                         "input_tpm": 99900000, "output_tpm": 9990000}})");
  ASSERT_EQ(ptu.status, 200) << ptu.body.dump();
  EXPECT_EQ(ptu.body["output"]["capacity"], 999);
  std::string scale =
      "/api/v1/deployments/" + ptu.body["output"]["deployed_model"].get<std::string>() + "/scale";
  ExpectError(Send("PUT", scale, user_key_, R"({"ptu_capacity": {"thinking_output_tpm": 1000}})"),
              400, "InvalidParameter",
              "ptu_capacity.output_tpm + thinking_output_tpm 9991000 needs 1000 replicas of 10000 "
              "tpm each; at most 999 replicas are allowed (up to 9990000 tpm)");
}

// Length limits count characters, not bytes; a workspace name refuses control characters as a
// deployment name does (it accepted them).
TEST_F(ApiServerTest, NamesCountCharactersAndRefuseControlCharacters) {
  std::string emoji;
  for (int i = 0; i < 64; ++i) emoji += "\xf0\x9f\x98\x80";
  Reply r = Send("POST", "/api/v1/admin/workspaces", admin_key_, json{{"name", emoji}}.dump());
  EXPECT_EQ(r.status, 200) << r.body.dump();
  ExpectError(Send("POST", "/api/v1/admin/workspaces", admin_key_, R"({"name": "bell\u0007"})"),
              400, "InvalidParameter", "name must not contain control characters");
  ExpectError(Send("POST", "/api/v1/admin/workspaces", admin_key_, R"({"name": "c1\u0085"})"), 400,
              "InvalidParameter", "name must not contain control characters");
  for (int i = 0; i < 64; ++i) emoji += "\xf0\x9f\x98\x80";  // 128 characters, 512 bytes
  r = Send("POST", "/api/v1/deployments", user_key_,
           json{{"model_name", "emo"}, {"capacity", 1}, {"name", emoji}}.dump());
  EXPECT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["output"]["name"], emoji);
  ExpectError(Send("POST", "/api/v1/deployments", user_key_,
                   json{{"model_name", "emo"},
                        {"capacity", 1},
                        {"suffix", "x"},
                        {"name", emoji + "\xf0\x9f\x98\x80"}}
                       .dump()),
              400, "InvalidParameter", "name must be at most 128 characters, got 129");
}

}  // namespace
}  // namespace berth
