#include "service/auth_service.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "common/sha256.h"
#include "service/admin_service.h"
#include "service_env.h"

namespace berth {
namespace {

const Status kNoKey = Unauthenticated("No API-key provided.");
const Status kBadKey = Unauthenticated("Invalid API-key provided.");
const Status kDenied = PermissionDenied("Workspace access denied.");

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Init().ok());
    StatusOr<Workspace> home = auth().CreateWorkspace("home");
    StatusOr<Workspace> other = auth().CreateWorkspace("other");
    ASSERT_TRUE(home.ok() && other.ok());
    home_ = home->workspace_id;
    other_ = other->workspace_id;
    StatusOr<NewApiKey> admin = auth().CreateKey(home_, true);
    StatusOr<NewApiKey> user = auth().CreateKey(home_, false);
    ASSERT_TRUE(admin.ok() && user.ok());
    admin_ = *admin;
    user_ = *user;
  }

  AuthService& auth() { return *env_.auth; }
  StatusOr<Caller> As(const NewApiKey& key, std::string_view workspace = "") {
    return auth().Authenticate("Bearer " + key.secret, workspace);
  }

  testing::ServiceEnv env_;
  std::string home_, other_;
  NewApiKey admin_, user_;
};

TEST_F(AuthServiceTest, ResolvesKeyToCaller) {
  StatusOr<Caller> caller = As(user_);
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->key_id, user_.key.key_id);
  EXPECT_EQ(caller->workspace_id, home_);
  EXPECT_FALSE(caller->admin);
  EXPECT_TRUE(As(admin_)->admin);
  EXPECT_EQ(user_.secret.substr(0, 3), "sk-");
  EXPECT_EQ(user_.key.key_prefix, user_.secret.substr(0, 6));
  EXPECT_EQ(user_.key.key_hash, Sha256Hex(user_.secret));  // only the hash is kept
}

TEST_F(AuthServiceTest, AuthorizationHeaderTable) {
  struct Case {
    std::string header;
    Status want;
  };
  const std::string& s = user_.secret;
  const Case cases[] = {
      {"", kNoKey},
      {"Bearer sk-unknown000000", kBadKey},
      {s, kBadKey},  // no scheme
      {"Basic " + s, kBadKey},
      {"Bearer", kBadKey},
      {"Bearer    ", kBadKey},
      {"Bearer " + s + "x", kBadKey},
      {"Bearer " + s, Status::Ok()},
      {"bearer " + s, Status::Ok()},
      {"BEARER " + s, Status::Ok()},
      {"Bearer   " + s + "  ", Status::Ok()},
  };
  for (const Case& c : cases) {
    StatusOr<Caller> caller = auth().Authenticate(c.header, "");
    EXPECT_EQ(caller.ok() ? Status::Ok() : caller.status(), c.want) << "'" << c.header << "'";
  }
}

TEST_F(AuthServiceTest, WorkspaceHeaderTable) {
  struct Case {
    std::string label;
    const NewApiKey* key;
    std::string header;
    Status want;
    std::string acting_in;
  };
  const Case cases[] = {
      {"user, none", &user_, "", Status::Ok(), home_},
      {"user, own", &user_, home_, Status::Ok(), home_},
      {"user, other", &user_, other_, kDenied, ""},
      {"user, unknown", &user_, "llm-nosuchworkspace", kDenied, ""},
      {"admin, other", &admin_, other_, Status::Ok(), other_},
      {"admin, unknown", &admin_, "llm-nosuchworkspace", kDenied, ""},
  };
  for (const Case& c : cases) {
    StatusOr<Caller> caller = As(*c.key, c.header);
    EXPECT_EQ(caller.ok() ? Status::Ok() : caller.status(), c.want) << c.label;
    if (caller.ok()) {
      EXPECT_EQ(caller->workspace_id, c.acting_in) << c.label;
    }
  }
}

TEST_F(AuthServiceTest, DeletedKeyStopsWorkingAtOnce) {
  ASSERT_TRUE(As(user_).ok());
  ASSERT_TRUE(auth().DeleteKey(*As(admin_), user_.key.key_id).ok());
  EXPECT_EQ(As(user_).status(), kBadKey);
  EXPECT_TRUE(As(admin_).ok());
  EXPECT_EQ(auth().DeleteKey(*As(admin_), user_.key.key_id),
            NotFound("Key " + user_.key.key_id + " not found!"));

  AuthService reloaded(*env_.store, env_.clock);  // and it stays deleted after a restart
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_EQ(reloaded.Authenticate("Bearer " + user_.secret, "").status(), kBadKey);
}

TEST_F(AuthServiceTest, KeysAndWorkspacesSurviveReload) {
  AuthService reloaded(*env_.store, env_.clock);
  ASSERT_TRUE(reloaded.Load().ok());
  StatusOr<Caller> caller = reloaded.Authenticate("Bearer " + admin_.secret, other_);
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->workspace_id, other_);
  EXPECT_EQ(reloaded.ListKeys().size(), 2u);
  EXPECT_EQ(reloaded.ListWorkspaces().size(), 2u);
}

TEST_F(AuthServiceTest, CreateAndImportValidation) {
  EXPECT_EQ(auth().CreateKey("llm-nosuchworkspace", false).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(auth().ImportKey(home_, "short", false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(auth().ImportKey(home_, "has a space", false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(auth().CreateWorkspace("").status().code(), StatusCode::kInvalidArgument);
  StatusOr<ApiKey> imported = auth().ImportKey(home_, "my-chosen-secret", false);
  ASSERT_TRUE(imported.ok());
  EXPECT_EQ(auth().Authenticate("Bearer my-chosen-secret", "")->key_id, imported->key_id);
  EXPECT_TRUE(auth().KnowsSecret("my-chosen-secret"));
  EXPECT_FALSE(auth().KnowsSecret("my-other-secret"));
}

TEST_F(AuthServiceTest, TheLastAdminKeyCannotBeDeleted) {
  Caller admin = *As(admin_);
  EXPECT_EQ(auth().DeleteKey(admin, admin_.key.key_id),
            FailedPrecondition("key " + admin_.key.key_id +
                               " is the last admin key; create another first"));
  StatusOr<NewApiKey> second = auth().CreateKey(home_, true);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(auth().DeleteKey(admin, admin_.key.key_id).ok());  // its own, now that one is left
  // A key deleted while its request was on the way cannot complete a delete of its own.
  EXPECT_EQ(auth().DeleteKey(admin, second->key.key_id), kBadKey);
  EXPECT_TRUE(As(*second).ok());
}

// Two admins deleting each other at once: before the rule moved into the service, both checks
// could pass before either delete, leaving no admin key at all.
TEST_F(AuthServiceTest, ConcurrentDeletesNeverRemoveEveryAdminKey) {
  for (int round = 0; round < 20; ++round) {
    StatusOr<NewApiKey> a = auth().CreateKey(home_, true);
    StatusOr<NewApiKey> b = auth().CreateKey(home_, true);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE(auth().DeleteKey(*As(*a), admin_.key.key_id).ok());  // a and b are the admins
    Caller as_a = *As(*a), as_b = *As(*b);
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    auto a_deletes_b = std::async(std::launch::async, [&] {
      start.wait();
      return auth().DeleteKey(as_a, b->key.key_id);
    });
    auto b_deletes_a = std::async(std::launch::async, [&] {
      start.wait();
      return auth().DeleteKey(as_b, a->key.key_id);
    });
    go.set_value();
    Status first = a_deletes_b.get(), second = b_deletes_a.get();
    EXPECT_NE(first.ok(), second.ok()) << first.ToString() << " / " << second.ToString();
    int admins = 0;
    for (const ApiKey& key : auth().ListKeys()) admins += key.admin ? 1 : 0;
    ASSERT_EQ(admins, 1) << "round " << round;
    admin_ = first.ok() ? *a : *b;
  }
}

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.Init().ok()); }
  testing::ServiceEnv env_;
};

TEST_F(BootstrapTest, GeneratesAnAdminKeyOnlyWhenNoneExists) {
  StatusOr<BootstrapResult> first = Bootstrap(*env_.auth, std::nullopt);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->default_workspace.name, "default");
  ASSERT_TRUE(first->generated_key.has_value());
  StatusOr<Caller> caller = env_.auth->Authenticate("Bearer " + *first->generated_key, "");
  ASSERT_TRUE(caller.ok());
  EXPECT_TRUE(caller->admin);
  EXPECT_EQ(caller->workspace_id, first->default_workspace.workspace_id);

  StatusOr<BootstrapResult> second = Bootstrap(*env_.auth, std::nullopt);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->generated_key.has_value());
  EXPECT_EQ(second->default_workspace.workspace_id, first->default_workspace.workspace_id);
  EXPECT_EQ(env_.auth->ListKeys().size(), 1u);
  EXPECT_EQ(env_.auth->ListWorkspaces().size(), 1u);
}

TEST_F(BootstrapTest, ImportsTheGivenKeyOnce) {
  StatusOr<BootstrapResult> first = Bootstrap(*env_.auth, std::string("sk-operator-chosen"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->generated_key.has_value());
  StatusOr<Caller> caller = env_.auth->Authenticate("Bearer sk-operator-chosen", "");
  ASSERT_TRUE(caller.ok());
  EXPECT_TRUE(caller->admin);

  ASSERT_TRUE(Bootstrap(*env_.auth, std::string("sk-operator-chosen")).ok());
  EXPECT_EQ(env_.auth->ListKeys().size(), 1u);
  ASSERT_TRUE(Bootstrap(*env_.auth, std::string("sk-a-second-key")).ok());
  EXPECT_EQ(env_.auth->ListKeys().size(), 2u);
}

}  // namespace
}  // namespace berth
