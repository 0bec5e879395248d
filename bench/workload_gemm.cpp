// GEMM workloads: gemm_{64,256,1024,2048}, one tg::matmul of two N×N float32 tensors.
#include "tapegrad/autograd.hpp"
#include "workloads.hpp"

namespace tgbench {
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
