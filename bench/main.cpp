// tapegrad-bench: one binary for every tapegrad benchmark.
//
//   tapegrad-bench --workload gemm_1024 [--json] [--steps-per-run N]
//                                                    a registered workload (workloads.hpp)
//   tapegrad-bench [--benchmark_filter=...]          the Google Benchmark micro-benchmarks
//
// TAPEGRAD_NUM_THREADS sets the workload's threads; micro-benchmarks set their own.
// TAPEGRAD_ISA forces the kernels' instruction set; both outputs name the one used
// ("isa" in a workload's line, "tapegrad_isa" in the micro-benchmarks' context).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "tapegrad/autograd/parallel.hpp"
#include "workloads.hpp"

int main(int argc, char** argv) {
  std::string workload;
  bool json = false;
  long steps_per_run = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--workload") == 0 && i + 1 < argc)
      workload = argv[++i];
    else if (std::strncmp(argv[i], "--workload=", 11) == 0)
      workload = argv[i] + 11;
    else if (std::strcmp(argv[i], "--json") == 0)
      json = true;
    else if (std::strcmp(argv[i], "--steps-per-run") == 0 && i + 1 < argc)
      steps_per_run = std::strtol(argv[++i], nullptr, 10);
  }
  if (!workload.empty()) return tgbench::run_workload(workload, json, steps_per_run);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("tapegrad_isa", std::string(tg::cpu_capability()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
