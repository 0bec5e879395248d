// The dist tests' main: MPI first, then GoogleTest, on every rank. ctest runs this binary
// under `mpirun -np 2` (tests/CMakeLists.txt); each test is collective, and every rank
// checks its own expectations, so a failure on either rank fails the run.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "tapegrad/autograd/parallel.hpp"
#include "tapegrad/dist/communicator.hpp"

int main(int argc, char** argv) {
  tg::dist::Environment mpi(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (tg::dist::world_size() != 2) {
    std::fprintf(stderr, "dist_tests: run under `mpirun -np 2` (this world has %d ranks)\n",
                 tg::dist::world_size());
    return 1;
  }
  // One kernel thread per rank, as the runs; a collective that a failing test left
  // unmatched ends in a TimeoutError within a minute instead of hanging ctest.
  tg::set_num_threads(1);
  tg::dist::set_timeout(std::chrono::seconds(60));
  return RUN_ALL_TESTS();
}
