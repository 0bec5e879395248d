// Storage: one contiguous, 64-byte-aligned buffer shared by tensors that alias it.
//
// Note [Version counter]: every in-place write bumps `version`. A node that saved a
// tensor remembers the version it saw and refuses to run its backward rule if the
// value changed since (an optimiser step between forward and backward would otherwise
// give a silently wrong gradient). `saved_for_backward` counts the live SavedTensors that
// hold the values, so a write from outside tapegrad's ops (a writable xtensor view,
// tapegrad/autograd/xtensor.hpp) can be refused before it happens.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tg {

struct Storage {
  void* data = nullptr;
  std::size_t nbytes = 0;
  uint32_t version = 0;
  std::atomic<uint32_t> saved_for_backward{0};

  explicit Storage(std::size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  static std::shared_ptr<Storage> allocate(std::size_t nbytes);
};

/// Bytes currently held by all live storages (for leak tests and the tape inspector).
std::int64_t live_bytes();
/// The most bytes live storages have held at once since the last reset_peak_live_bytes()
/// (or since the process started): every allocation updates it, from any thread.
std::int64_t peak_live_bytes();
/// Starts a new peak from the bytes live now (to measure one computation's peak).
void reset_peak_live_bytes();
/// The largest single block tapegrad will allocate, and the largest file it will read:
/// the machine's physical memory (Note [Allocation limit] in autograd/src/allocation.hpp).
std::size_t max_allocation_bytes();

}  // namespace tg
