// The workload registry and runner behind `tapegrad-bench --workload NAME` and its LibTorch
// twin `libtorch-bench` (both link workloads.cpp, which depends on neither library).
//
// A workload is a name and a setup function; setup builds its state (tensors, a model, an
// optimiser) and returns the step to time:
//
//   TG_REGISTER_WORKLOAD(gan_small) { auto state = ...; return [state] { state->step(); }; }
#pragma once
#include <functional>
#include <map>
#include <string>

namespace tgbench {

using Step = std::function<void()>;
using Setup = std::function<Step()>;

/// Name -> setup; registration happens at static-initialisation time.
std::map<std::string, Setup>& workloads();

struct Registrar {
  Registrar(const std::string& name, Setup setup) { workloads().emplace(name, std::move(setup)); }
};

#define TG_WORKLOAD_CONCAT2(a, b) a##b
#define TG_WORKLOAD_CONCAT(a, b) TG_WORKLOAD_CONCAT2(a, b)
/// Registers the workload NAME with the function body that follows (it returns a Step).
#define TG_REGISTER_WORKLOAD(NAME)                                                    \
  static ::tgbench::Step TG_WORKLOAD_CONCAT(tg_workload_setup_, NAME)();              \
  static const ::tgbench::Registrar TG_WORKLOAD_CONCAT(tg_workload_registrar_, NAME)( \
      #NAME, &TG_WORKLOAD_CONCAT(tg_workload_setup_, NAME));                          \
  static ::tgbench::Step TG_WORKLOAD_CONCAT(tg_workload_setup_, NAME)()

/// The flags both binaries take: --workload NAME [--json] [--threads T] [--steps-per-run N].
struct WorkloadArgs {
  std::string workload;    ///< empty: no workload asked for
  bool json = false;       ///< one JSON line instead of a sentence
  int threads = 0;         ///< 0: the library's default
  long steps_per_run = 0;  ///< 0: as many as last ~50 ms
  /// Warm-up steps; 0: at least 3 and 0.2 s. Ranks of a data-parallel run must all take the
  /// same number of steps, so they fix this and steps_per_run.
  long warmup_steps = 0;
  bool print = true;         ///< false: time, print nothing (the other ranks)
  std::string extra_json{};  ///< more `"key": value, ` pairs for the JSON line
};
/// Reads the flags above and ignores every other argument (Google Benchmark's).
WorkloadArgs parse_workload_args(int argc, char** argv);

/// Runs args.workload: warm-up, then 15 timed runs of args.steps_per_run steps each; prints
/// one line {"workload", "threads", ["isa",] "ms_per_step", "base_rss_mb", "max_rss_mb"} if
/// args.json, else a sentence. `threads` is the thread count in effect (set by the caller)
/// and `isa` the kernels' instruction set, left out of the line if empty. Returns a process
/// exit code.
int run_workload(const WorkloadArgs& args, int threads, const std::string& isa);

}  // namespace tgbench
