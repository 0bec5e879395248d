// tapegrad-bench: one binary for every tapegrad benchmark.
//
//   tapegrad-bench --workload gan_toy [--json] [--threads T] [--steps-per-run N]
//                                                    a registered workload (workloads.hpp)
//   tapegrad-bench [--benchmark_filter=...]          the Google Benchmark micro-benchmarks
//
// --threads (else TAPEGRAD_NUM_THREADS, else every core) sets the workload's threads;
// micro-benchmarks set their own. TAPEGRAD_ISA forces the kernels' instruction set; both
// outputs name the one used ("isa" in a workload's line, "tapegrad_isa" in the
// micro-benchmarks' context).
#include <benchmark/benchmark.h>

#include <string>

#include "tapegrad/autograd/parallel.hpp"
#include "workloads.hpp"

int main(int argc, char** argv) {
  const tgbench::WorkloadArgs args = tgbench::parse_workload_args(argc, argv);
  if (!args.workload.empty()) {
    if (args.threads > 0) tg::set_num_threads(args.threads);
    return tgbench::run_workload(args, tg::get_num_threads(), std::string(tg::cpu_capability()));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("tapegrad_isa", std::string(tg::cpu_capability()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
