#include "core/output_estimate.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace berth {
namespace {

TEST(OutputEstimatorTest, MaxTokensWinsWhenGiven) {
  OutputEstimator estimator;
  EXPECT_EQ(estimator.Estimate(17), 17);
  estimator.Observe(1000);
  EXPECT_EQ(estimator.Estimate(17), 17);
}

TEST(OutputEstimatorTest, StartsAt256) {
  OutputEstimator estimator;
  EXPECT_EQ(estimator.Estimate(std::nullopt), kInitialOutputEstimate);
  EXPECT_EQ(kInitialOutputEstimate, 256);
}

TEST(OutputEstimatorTest, MovesAnEighthOfTheWayToEachObservation) {
  OutputEstimator estimator;
  estimator.Observe(256 + 80);
  EXPECT_EQ(estimator.Estimate(std::nullopt), 266);
  estimator.Observe(266 - 16);
  EXPECT_EQ(estimator.Estimate(std::nullopt), 264);
}

TEST(OutputEstimatorTest, ConvergesToASteadyOutput) {
  OutputEstimator estimator;
  for (int i = 0; i < 200; ++i) estimator.Observe(40);
  EXPECT_EQ(estimator.Estimate(std::nullopt), 40);
  for (int i = 0; i < 200; ++i) estimator.Observe(3);
  EXPECT_EQ(estimator.Estimate(std::nullopt), 3);
}

TEST(OutputEstimatorTest, ConcurrentObservationsAreNotLost) {
  OutputEstimator estimator;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) estimator.Observe(1000);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(estimator.Estimate(std::nullopt), 1000);
}

}  // namespace
}  // namespace berth
