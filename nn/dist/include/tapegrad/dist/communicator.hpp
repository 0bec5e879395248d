// tg::dist: the processes of an `mpirun` job and the collectives data-parallel training
// needs, on MPI (Open MPI from Debian). Built when CMake finds MPI (option TAPEGRAD_MPI);
// link tapegrad::dist.
//
//   int main(int argc, char** argv) {
//     tg::dist::Environment mpi(argc, argv);      // one per process, before anything else
//     tg::Tensor t = tg::ones({3});
//     tg::dist::all_reduce_sum(t);                // every rank now holds world_size() · 1
//   }
//
// Run it with `mpirun -np 2 ./program`; started without mpirun it is a world of one rank.
//
// Note [Failing ranks]: a collective waits for every rank, so a rank that stops calling
// them must not leave the others waiting forever. Two mechanisms make a failure end the
// whole job:
//   1. An exception that leaves main (std::terminate) or unwinds through the Environment
//      prints the rank and the exception's message and calls MPI_Abort, which makes mpirun
//      kill every rank.
//   2. Every wait polls with a deadline (timeout(), 300 s unless set): past it the waiting
//      rank throws TimeoutError naming the collective, so a rank that swallowed its own
//      exception, or took another branch, cannot hang the rest.
// MPI's own errors come back as return codes (MPI_ERRORS_RETURN) and become DistError.
#pragma once
#include <chrono>
#include <string>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/tensor.hpp"

namespace tg::dist {

/// An MPI call failed, or the ranks disagree (shapes of a collective, a module's layout).
class DistError : public Error {
 public:
  using Error::Error;
};
/// A collective did not complete within timeout(): another rank failed or diverged.
class TimeoutError : public DistError {
 public:
  using DistError::DistError;
};

/// Initialises MPI from mpirun's environment (thread level MPI_THREAD_SERIALIZED: MPI is
/// called from whichever thread runs backward, one at a time) and finalises it when
/// destroyed. One per process, created before any other tg::dist call.
class Environment {
 public:
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  int uncaught_at_start_;
};

/// True between an Environment's construction and destruction.
bool initialized();
/// This process's rank in [0, world_size()).
int rank();
int world_size();
/// rank() == 0: the rank that writes files and prints.
inline bool is_main() { return rank() == 0; }

/// How long any wait for a collective lasts before it throws TimeoutError.
std::chrono::milliseconds timeout();
void set_timeout(std::chrono::milliseconds limit);

/// Replaces `t` (float32, float64 or int64) by the element-wise sum over all ranks, in
/// place. Every rank must pass the same shape and dtype, else DistError lists each rank's.
void all_reduce_sum(Tensor& t);
/// Replaces `t` by rank `root`'s values, in place; same shape and dtype on every rank.
void broadcast(Tensor& t, int root = 0);
/// Returns when every rank has called it.
void barrier();
/// Rank `root`'s string, on every rank.
std::string broadcast_string(const std::string& s, int root = 0);

}  // namespace tg::dist
