#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace tg::examples {

Progress::Progress(int64_t total, std::string label, std::FILE* stream)
    : total_(total),
      label_(std::move(label)),
      stream_(stream),
      tty_(isatty(fileno(stream)) != 0),
      start_(std::chrono::steady_clock::now()) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool Progress::due(int64_t step) {
  if (tty_) {
    const double t = elapsed_seconds();
    if (t - last_report_ < 0.1) return false;
    last_report_ = t;
    return true;
  }
  if (step < next_plain_step_) return false;
  next_plain_step_ = step + std::max<int64_t>(1, total_ / 10);
  return true;
}

void Progress::report(int64_t step, const std::string& values) {
  const double t = elapsed_seconds();
  const double rate = step > 0 ? static_cast<double>(step) / t : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - step) / rate : 0.0;
  const std::string line = fmt::format(
      "{} {:>6}/{} {:5.1f}%  {:7.1f} it/s  ETA {:5.0f}s  {}", label_, step, total_,
      100.0 * static_cast<double>(step) / static_cast<double>(total_), rate, eta, values);
  if (tty_)
    fmt::print(stream_, "\r{:<110}", line);
  else
    fmt::print(stream_, "{}\n", line);
  std::fflush(stream_);
}

void Progress::finish(const std::string& values) {
  if (tty_) fmt::print(stream_, "\n");
  fmt::print(stream_, "{} done: {} steps in {:.1f}s  {}\n", label_, total_, elapsed_seconds(),
             values);
}

}  // namespace tg::examples
