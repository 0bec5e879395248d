// A one-line progress report for long runs: step, rate, time left, and named values.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace tg::examples {

class Progress {
 public:
  Progress(int64_t total, std::string label);
  /// Prints "label  step/total  pct  it/s  ETA  <values>"; on a terminal it rewrites one
  /// line, elsewhere (CI logs) it prints a line per call.
  void report(int64_t step, const std::string& values);
  /// Ends the line and prints the total time.
  void finish(const std::string& values);

 private:
  double elapsed_seconds() const;
  int64_t total_;
  std::string label_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace tg::examples
