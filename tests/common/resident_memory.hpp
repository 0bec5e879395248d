// For the long-run memory tests: the process's resident set size, and whether this is a
// sanitizer build (whose allocators grow the resident set by design, so RSS is not checked).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <fstream>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TG_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TG_TEST_SANITIZED 1
#endif
#endif

namespace tgtest {

/// Resident set size of this process in bytes (second field of /proc/self/statm).
inline int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * sysconf(_SC_PAGESIZE);
}

}  // namespace tgtest
