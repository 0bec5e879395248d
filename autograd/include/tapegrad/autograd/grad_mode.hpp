// Grad mode: a thread-local switch that decides whether ops record on the tape.
//
// Note [Grad mode is thread-local]: each thread has its own switch (and its own
// sequence counter, see node.hpp), so independent graphs can be built and
// differentiated on different threads at once.
#pragma once

namespace tg {

struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool on);
};

/// RAII: sets grad mode to `on` for the current scope, then restores it.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool on) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(on); }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

/// RAII: nothing records inside this scope.
class NoGradGuard : public AutoGradMode {
 public:
  NoGradGuard() : AutoGradMode(false) {}
};

/// Anomaly mode (process-wide): when on, the first op whose output holds NaN or Inf
/// throws AnomalyError naming the op and its sequence number; backward rules are
/// checked the same way.
struct AnomalyMode {
  static bool is_enabled();
  static void set_enabled(bool on);
};

/// RAII: anomaly mode on for the current scope.
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(AnomalyMode::is_enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace tg
