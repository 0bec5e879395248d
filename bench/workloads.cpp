// Workload runner: the registry, the flags, the timing loop and the JSON line, shared by
// tapegrad-bench and libtorch-bench so both sides time and measure memory the same way.
#include "workloads.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace tgbench {

std::map<std::string, Setup>& workloads() {
  static std::map<std::string, Setup> registry;
  return registry;
}

WorkloadArgs parse_workload_args(int argc, char** argv) {
  WorkloadArgs args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--workload") == 0 && i + 1 < argc)
      args.workload = argv[++i];
    else if (std::strncmp(argv[i], "--workload=", 11) == 0)
      args.workload = argv[i] + 11;
    else if (std::strcmp(argv[i], "--json") == 0)
      args.json = true;
    else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      args.threads = static_cast<int>(std::strtol(argv[++i], nullptr, 10));
    else if (std::strcmp(argv[i], "--steps-per-run") == 0 && i + 1 < argc)
      args.steps_per_run = std::strtol(argv[++i], nullptr, 10);
  }
  return args;
}

namespace {

/// A "VmRSS" (resident now) or "VmHWM" (peak resident) line of /proc/self/status, in MiB.
/// Not getrusage's ru_maxrss, which survives exec and so reports the launching process's peak.
double status_mb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return 0;
}

}  // namespace

int run_workload(const WorkloadArgs& args, int threads, const std::string& isa) {
  const auto it = workloads().find(args.workload);
  if (it == workloads().end()) {
    fmt::print(stderr, "unknown workload '{}'; known:", args.workload);
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
  while (args.warmup_steps > 0
             ? warm_steps < args.warmup_steps
             : warm_steps < 3 || Clock::now() - warm_start < std::chrono::milliseconds(200)) {
    step();
    ++warm_steps;
  }
  const double step_s =
      std::chrono::duration<double>(Clock::now() - warm_start).count() / double(warm_steps);
  const int64_t per_run = args.steps_per_run > 0
                              ? int64_t{args.steps_per_run}
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
  const std::string extra_keys =
      (isa.empty() ? "" : fmt::format("\"isa\": \"{}\", ", isa)) + args.extra_json;
  if (!args.print) return 0;
  if (args.json)
    fmt::print(
        "{{\"workload\": \"{}\", \"threads\": {}, {}\"ms_per_step\": {:.6g}, "
        "\"base_rss_mb\": {:.1f}, \"max_rss_mb\": {:.1f}}}\n",
        args.workload, threads, extra_keys, median, base_mb, status_mb("VmHWM"));
  else
    fmt::print("{}: {:.4g} ms per step (median of {} runs of {} steps, {} threads{})\n",
               args.workload, median, kRuns, per_run, threads, isa.empty() ? "" : ", " + isa);
  return 0;
}

}  // namespace tgbench
