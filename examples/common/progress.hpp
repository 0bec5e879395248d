// A one-line progress report for long runs: step, rate, time left, and named values.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tg::examples {

class Progress {
 public:
  /// Reports to `stream` (stdout by default; the examples pass stderr under --json so
  /// stdout carries only the JSON line).
  Progress(int64_t total, std::string label, std::FILE* stream = stdout);
  /// Prints "label  step/total  pct  it/s  ETA  <values>"; on a terminal it rewrites one
  /// line, elsewhere (CI logs) it prints a line per call.
  void report(int64_t step, const std::string& values);
  /// report() at a readable pace, for calling every step: on a terminal at most ten
  /// times a second, elsewhere once per tenth of the run. `values` is only built when a
  /// line is due, so pass a callable returning the string.
  template <class Values>
  void update(int64_t step, const Values& values) {
    if (due(step)) report(step, values());
  }
  /// Ends the line and prints the total time.
  void finish(const std::string& values);

 private:
  bool due(int64_t step);
  double elapsed_seconds() const;
  int64_t total_;
  std::string label_;
  std::FILE* stream_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  double last_report_ = -1;
  int64_t next_plain_step_ = 0;
};

}  // namespace tg::examples
