// tg::dist's collectives and their errors (nn/dist/src/communicator.cpp), on two ranks.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "checks.hpp"
#include "tapegrad/dist/communicator.hpp"

namespace {

using tg::Tensor;
namespace dist = tg::dist;

TEST(Communicator, RanksOfAWorldOfTwo) {
  EXPECT_TRUE(dist::initialized());
  EXPECT_EQ(dist::world_size(), 2);
  EXPECT_TRUE(dist::rank() == 0 || dist::rank() == 1);
  EXPECT_EQ(dist::is_main(), dist::rank() == 0);
}

TEST(Communicator, AllReduceSumsEveryDtypeInPlace) {
  const double r = dist::rank();
  Tensor f = tg::from_vector(std::vector<double>{r, 10 * r, 1}, {3}, tg::kFloat32);
  Tensor d = tg::from_vector(std::vector<double>{r + 0.25, -r}, {2}, tg::kFloat64);
  Tensor i = tg::full({2, 2}, r + 1, tg::kInt64);
  dist::all_reduce_sum(f);
  dist::all_reduce_sum(d);
  dist::all_reduce_sum(i);
  EXPECT_EQ(f.to_vector<double>(), (std::vector<double>{1, 10, 2}));
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{1.5, -1}));
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{3, 3, 3, 3}));
}

TEST(Communicator, BroadcastCopiesTheRootsValues) {
  Tensor t = tg::full({2, 3}, dist::rank() == 1 ? 7.0 : -1.0);
  dist::broadcast(t, 1);
  EXPECT_EQ(t.to_vector<double>(), std::vector<double>(6, 7.0));
  EXPECT_EQ(dist::broadcast_string(dist::rank() == 0 ? "from rank 0" : "ignored"), "from rank 0");
  EXPECT_EQ(dist::broadcast_string(dist::rank() == 0 ? "" : "x"), "");
}

TEST(Communicator, MismatchedShapesNameEveryRank) {
  Tensor t = tg::ones({dist::rank() == 0 ? 3 : 4});
  EXPECT_TRUE(tgtest::throws<dist::DistError>(
      [&] { dist::all_reduce_sum(t); },
      {"tg::dist::all_reduce_sum: every rank must pass the same dtype and shape, got rank 0: "
       "float32 [3]; rank 1: float32 [4]"}));
  Tensor u = tg::ones({2}, dist::rank() == 0 ? tg::kFloat32 : tg::kFloat64);
  EXPECT_TRUE(tgtest::throws<dist::DistError>(
      [&] { dist::broadcast(u); },
      {"tg::dist::broadcast", "rank 0: float32 [2]; rank 1: float64 [2]"}));
  EXPECT_TRUE(tgtest::throws<tg::ValueError>([&] { dist::broadcast(u, 2); },
                                             {"root 2 is not a rank of a world of 2"}));
}

TEST(Communicator, AWaitPastTheTimeoutThrowsInsteadOfHanging) {
  // Rank 1 reaches the barrier 1.5 s late; rank 0 waits 300 ms and throws. Rank 1's barrier
  // then completes (rank 0's side was posted before it gave up).
  const auto before = dist::timeout();
  dist::set_timeout(std::chrono::milliseconds(300));
  if (dist::rank() == 0) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(tgtest::throws<dist::TimeoutError>(
        [&] { dist::barrier(); },
        {"tg::dist::barrier: the barrier did not complete within 300 ms on rank 0 of 2"}));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    dist::barrier();
  }
  dist::set_timeout(before);
  dist::barrier();  // both ranks leave the test together
  EXPECT_TRUE(
      tgtest::throws<tg::ValueError>([] { dist::set_timeout(std::chrono::milliseconds(0)); },
                                     {"expected a positive limit, got 0 ms"}));
}

}  // namespace
