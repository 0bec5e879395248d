// tapegrad-dist-bench: the reference GAN workloads trained data-parallel over the ranks of
// an mpirun job (tg::dist::DataParallel, docs/distributed.md): each rank runs the step on
// batch / P rows and the players' gradients are averaged before each optimiser step, so
// P ranks do the work of one process on the whole batch.
//
//   mpirun -np 2 tapegrad-dist-bench --workload gan_mnist --threads 1 [--bucket-mb 25] [--json]
//   tapegrad-dist-bench --workload gan_mnist --threads 1          # one rank, the baseline
//   tapegrad-dist-bench --workload gan_mnist --threads 1 --batch 50   # one rank's share
//
// --batch is the batch over all ranks (default the workload's), split evenly.
//
// Every rank takes the same fixed number of steps (a rank with one more would wait forever
// in its all-reduce); rank 0 prints the line of tapegrad-bench's workloads with "ranks" and
// "bucket_mb" added.
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "gan_workload.hpp"
#include "tapegrad/dist.hpp"
#include "workloads.hpp"

namespace tgbench {
namespace {

double g_bucket_mb = 25;
int64_t g_batch = 0;  // 0: the workload's

Step data_parallel_gan(GanSpec spec) {
  if (g_batch > 0) spec.batch = g_batch;
  if (spec.batch % tg::dist::world_size() != 0)
    throw tg::ValueError(
        fmt::format("tapegrad-dist-bench: a batch of {} does not split evenly "
                    "over {} ranks",
                    spec.batch, tg::dist::world_size()));
  spec.batch /= tg::dist::world_size();
  auto state = std::make_shared<GanState>(spec);
  const tg::dist::DataParallelOptions options{
      .bucket_bytes = static_cast<std::size_t>(g_bucket_mb * (1 << 20))};
  // Aliasing handles: the modules live inside `state`.
  auto g = std::make_shared<tg::dist::DataParallel>(
      std::shared_ptr<tg::nn::Module>(state, &state->generator), options);
  auto d = std::make_shared<tg::dist::DataParallel>(
      std::shared_ptr<tg::nn::Module>(state, &state->discriminator), options);
  state->before_generator_step = [g] { g->synchronize_gradients(); };
  state->before_discriminator_step = [d] { d->synchronize_gradients(); };
  return [state] { state->driver.step(); };
}

}  // namespace

/// One sum over the ranks of as many float32s as gan_mnist's two players have parameters
/// (4,888,385: 19.6 MB), the all-reduce bandwidth the cost model uses.
TG_REGISTER_WORKLOAD(all_reduce_gan_mnist) {
  auto t = std::make_shared<tg::Tensor>(tg::ones({4'888'385}));
  return [t] { tg::dist::all_reduce_sum(*t); };
}
TG_REGISTER_WORKLOAD(gan_toy) { return data_parallel_gan(kGanToy); }
TG_REGISTER_WORKLOAD(gan_toy_gp) { return data_parallel_gan(kGanToyGp); }
TG_REGISTER_WORKLOAD(gan_mnist) { return data_parallel_gan(kGanMnist); }

}  // namespace tgbench

int main(int argc, char** argv) {
  tg::dist::Environment mpi(argc, argv);
  tgbench::WorkloadArgs args = tgbench::parse_workload_args(argc, argv);
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--bucket-mb") == 0)
      tgbench::g_bucket_mb = std::strtod(argv[i + 1], nullptr);
    else if (std::strcmp(argv[i], "--batch") == 0)
      tgbench::g_batch = std::strtol(argv[i + 1], nullptr, 10);
  if (args.workload.empty()) {
    fmt::print(
        stderr,
        "usage: [mpirun -np P] tapegrad-dist-bench --workload gan_mnist|gan_toy|"
        "gan_toy_gp|all_reduce_gan_mnist [--threads T] [--bucket-mb MB] [--batch B] [--json]\n");
    return 2;
  }
  if (args.threads > 0) tg::set_num_threads(args.threads);
  if (args.warmup_steps == 0) args.warmup_steps = 3;
  if (args.steps_per_run == 0) args.steps_per_run = 4;
  args.print = tg::dist::is_main();
  args.extra_json = fmt::format("\"ranks\": {}, \"bucket_mb\": {}, ", tg::dist::world_size(),
                                tgbench::g_bucket_mb);
  return tgbench::run_workload(args, tg::get_num_threads(), std::string(tg::cpu_capability()));
}
