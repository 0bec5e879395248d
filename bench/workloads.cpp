// Workload runner and the GEMM workloads (tg::matmul of two N×N float32 tensors).
#include "workloads.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "tapegrad/autograd.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace tgbench {

std::map<std::string, Setup>& workloads() {
  static std::map<std::string, Setup> registry;
  return registry;
}

/// A "VmRSS" (resident now) or "VmHWM" (peak resident) line of /proc/self/status, in MiB.
/// Not getrusage's ru_maxrss, which survives exec and so reports the launching process's peak.
double status_mb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return 0;
}

int run_workload(const std::string& name, bool json, long steps_per_run) {
  const auto it = workloads().find(name);
  if (it == workloads().end()) {
    fmt::print(stderr, "tapegrad-bench: unknown workload '{}'; known:", name);
    for (const auto& [n, s] : workloads()) fmt::print(stderr, " {}", n);
    fmt::print(stderr, "\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const double base_mb = status_mb("VmRSS");  // before the workload's set-up
  const Step step = it->second();
  // Warm up for at least 3 steps and 0.2 s; pick steps per run so a run lasts ~50 ms.
  const auto warm_start = Clock::now();
  int64_t warm_steps = 0;
  while (warm_steps < 3 || Clock::now() - warm_start < std::chrono::milliseconds(200)) {
    step();
    ++warm_steps;
  }
  const double step_s =
      std::chrono::duration<double>(Clock::now() - warm_start).count() / double(warm_steps);
  const int64_t per_run = steps_per_run > 0
                              ? int64_t{steps_per_run}
                              : std::max<int64_t>(1, static_cast<int64_t>(0.05 / step_s));
  constexpr int kRuns = 15;
  std::vector<double> ms;
  for (int r = 0; r < kRuns; ++r) {
    const auto t0 = Clock::now();
    for (int64_t s = 0; s < per_run; ++s) step();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count() /
                 double(per_run));
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  if (json)
    fmt::print(
        "{{\"workload\": \"{}\", \"threads\": {}, \"isa\": \"{}\", \"ms_per_step\": {:.6g}, "
        "\"base_rss_mb\": {:.1f}, \"peak_rss_mb\": {:.1f}}}\n",
        name, tg::get_num_threads(), tg::cpu_capability(), median, base_mb, status_mb("VmHWM"));
  else
    fmt::print("{}: {:.4g} ms per step (median of {} runs of {} steps, {} threads, {})\n", name,
               median, kRuns, per_run, tg::get_num_threads(), tg::cpu_capability());
  return 0;
}

namespace {

Step gemm_workload(int64_t n) {
  tg::Generator gen(0);
  tg::Tensor a = tg::randn({n, n}, gen), b = tg::randn({n, n}, gen);
  return [a, b] {
    tg::NoGradGuard no_grad;
    tg::Tensor c = tg::matmul(a, b);
  };
}

}  // namespace

TG_REGISTER_WORKLOAD(gemm_64) { return gemm_workload(64); }
TG_REGISTER_WORKLOAD(gemm_256) { return gemm_workload(256); }
TG_REGISTER_WORKLOAD(gemm_1024) { return gemm_workload(1024); }
TG_REGISTER_WORKLOAD(gemm_2048) { return gemm_workload(2048); }

}  // namespace tgbench
