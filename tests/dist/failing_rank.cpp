// A data-parallel training loop in which one rank fails, for the failing-rank tests
// (tests/dist/run_failing_rank.cmake): the other rank must end with a clear error within
// a time limit, never hang.
//
//   failing_rank throw     rank 1 throws at step 3 and the exception leaves main
//   failing_rank swallow   rank 1 catches it and returns without the step's collective;
//                          rank 0's wait ends in a TimeoutError after 2 s
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "tapegrad/dist.hpp"
#include "tapegrad/nn.hpp"

int main(int argc, char** argv) {
  tg::dist::Environment mpi(argc, argv);
  const std::string mode = argc > 1 ? argv[1] : "throw";
  tg::dist::set_timeout(std::chrono::seconds(2));
  tg::Generator gen(1);
  auto net =
      std::make_shared<tg::nn::MLP>(std::vector<int64_t>{2, 8, 1}, tg::nn::Activation::Tanh, gen);
  tg::dist::DataParallel ddp(net);
  const tg::Tensor x = tg::ones({4, 2});
  for (int step = 0; step < 10; ++step) {
    net->zero_grad();
    ddp(x).sum().backward();
    if (tg::dist::rank() == 1 && step == 3) {
      try {
        throw std::runtime_error("rank 1 failed on purpose at step 3");
      } catch (const std::exception& e) {
        if (mode == "throw") throw;
        std::fprintf(stderr, "rank 1 swallowed: %s\n", e.what());
        return 0;
      }
    }
    ddp.synchronize_gradients();
  }
  return 0;
}
