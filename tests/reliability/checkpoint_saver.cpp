// The child process of the kill test (test_checkpoint_kill.cpp):
//
//   checkpoint_saver PATH FIRST COUNT
//
// saves NumberedCheckpoint iterations FIRST, FIRST+1, ... to PATH (COUNT of them, or for
// ever if COUNT < 0), printing each iteration number on stdout once its save returned.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "numbered_checkpoint.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: checkpoint_saver PATH FIRST COUNT\n");
    return 2;
  }
  try {
    tgtest::NumberedCheckpoint checkpoint;
    const long long first = std::atoll(argv[2]), count = std::atoll(argv[3]);
    for (long long i = first; count < 0 || i < first + count; ++i) {
      checkpoint.set(i);
      checkpoint.save(argv[1]);
      std::printf("%lld\n", i);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_saver: %s\n", e.what());
    return 1;
  }
  return 0;
}
