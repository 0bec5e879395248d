// The workload registry behind `tapegrad-bench --workload NAME`.
//
// A workload is a name and a setup function; setup builds its state (tensors, a model, an
// optimiser) and returns the step to time. End-to-end training workloads register here the
// same way the GEMM ones do:
//
//   TG_REGISTER_WORKLOAD(gan_mlp32) { auto net = ...; return [=]() mutable { train_step(); }; }
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

/// Runs `name`: warm-up, then repeated timed runs of `steps_per_run` steps each (0: as many
/// as last ~50 ms); prints one JSON line if json, else a sentence. Returns a process exit
/// code.
int run_workload(const std::string& name, bool json, long steps_per_run = 0);

}  // namespace tgbench
