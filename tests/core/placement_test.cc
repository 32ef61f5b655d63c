#include "core/placement.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth {
namespace {

TEST(ParseUnitInventoryTest, Table) {
  struct Case {
    std::string text;
    bool ok;
    std::map<std::string, std::vector<int>> slots;
  };
  const Case cases[] = {
      {"", true, {}},
      {"  ", true, {}},
      {"MU1=2", true, {{"MU1", {0, 1}}}},
      {"MU1=2,MU2=3", true, {{"MU1", {0, 1}}, {"MU2", {0, 1, 2}}}},
      {"MU1=0-1, MU2=2-3", true, {{"MU1", {0, 1}}, {"MU2", {2, 3}}}},
      {"MU1=4-4", true, {{"MU1", {4}}}},
      {"MU1", false, {}},
      {"MU1=", false, {}},
      {"MU1=0", false, {}},
      {"MU1=-1", false, {}},
      {"MU1=x", false, {}},
      {"MU1=3-1", false, {}},
      {"MU1=1-", false, {}},
      {"=4", false, {}},
      {"MU 1=4", false, {}},
      {"MU1=2,MU1=2", false, {}},
      {"MU1=2,", false, {}},
      {"MU1=99999999", false, {}},
  };
  for (const Case& c : cases) {
    StatusOr<UnitInventory> got = ParseUnitInventory(c.text);
    EXPECT_EQ(got.ok(), c.ok) << "\"" << c.text << "\"";
    if (got.ok() && c.ok) {
      EXPECT_EQ(got->slots, c.slots) << c.text;
    }
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << c.text;
    }
  }
}

TEST(FormatUnitInventoryTest, RoundTrips) {
  EXPECT_EQ(FormatUnitInventory({}), "unlimited");
  EXPECT_EQ(FormatUnitInventory(*ParseUnitInventory("MU2=4-7,MU1=2")), "MU1=0-1,MU2=4-7");
}

TEST(PlacementTest, UnlimitedWithoutInventory) {
  Placement p;
  for (int i = 0; i < 100; ++i) {
    StatusOr<std::vector<int>> got = p.Take("MU1", 8);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->empty());
  }
}

TEST(PlacementTest, TakesAndReleasesInOrder) {
  Placement p(*ParseUnitInventory("MU1=4-7,MU2=2"));
  EXPECT_EQ(*p.Take("MU1", 2), (std::vector<int>{4, 5}));
  EXPECT_EQ(*p.Take("MU1", 1), (std::vector<int>{6}));
  EXPECT_EQ(p.Free("MU1"), 1);
  StatusOr<std::vector<int>> full = p.Take("MU1", 2);
  EXPECT_EQ(full.status(), Unavailable("no free MU1 units: need 2, free 1 of 4"));
  p.Release("MU1", {4, 5});
  EXPECT_EQ(*p.Take("MU1", 3), (std::vector<int>{4, 5, 7}));
  EXPECT_EQ(p.Free("MU1"), 0);
  EXPECT_EQ(p.Free("MU2"), 2);  // specs are separate pools
}

TEST(PlacementTest, NeverFits) {
  Placement p(*ParseUnitInventory("MU1=8"));
  struct Case {
    std::string spec;
    int units;
    std::string message;
  };
  const Case cases[] = {
      {"MU1", 9, "a replica needs 9 MU1 units but only 8 are configured"},
      {"MU2", 1, "no MU2 units are configured (--units MU1=0-7)"},
  };
  for (const Case& c : cases) {
    StatusOr<std::vector<int>> got = p.Take(c.spec, c.units);
    EXPECT_EQ(got.status(), ResourceExhausted(c.message)) << c.spec;
  }
}

TEST(PlacementTest, NoUnitsNeeded) {
  Placement p(*ParseUnitInventory("MU1=1"));
  EXPECT_TRUE(p.Take("", 4)->empty());  // ptu and lora replicas have no unit spec
  EXPECT_TRUE(p.Take("MU1", 0)->empty());
  EXPECT_EQ(p.Free("MU1"), 1);
}

TEST(PlacementTest, TakeExactForAdoption) {
  Placement p(*ParseUnitInventory("MU1=4"));
  EXPECT_TRUE(p.TakeExact("MU1", {1, 3}).ok());
  EXPECT_EQ(p.Free("MU1"), 2);
  EXPECT_EQ(p.TakeExact("MU1", {0, 3}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(p.Free("MU1"), 2);  // all or nothing
  EXPECT_EQ(p.TakeExact("MU1", {9}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(p.TakeExact("MU2", {0}).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(p.TakeExact("MU2", {}).ok());
  EXPECT_EQ(*p.Take("MU1", 2), (std::vector<int>{0, 2}));
}

TEST(JoinIndicesTest, Table) {
  EXPECT_EQ(JoinIndices({}), "");
  EXPECT_EQ(JoinIndices({3}), "3");
  EXPECT_EQ(JoinIndices({0, 1, 2}), "0,1,2");
}

}  // namespace
}  // namespace berth
