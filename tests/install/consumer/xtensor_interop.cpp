// The opt-in xtensor interop from an installed tapegrad: links tapegrad::xtensor, and
// checks that <tapegrad.hpp> alone brings in no xtensor header. Prints "xtensor interop: ok".
#include <tapegrad.hpp>
#ifdef XTENSOR_VERSION_MAJOR
#error "<tapegrad.hpp> includes xtensor; tapegrad/autograd/xtensor.hpp must stay opt-in"
#endif
#include <cstdio>
#include <tapegrad/autograd/xtensor.hpp>
#include <vector>
#include <xtensor/xmath.hpp>

int main() {
  tg::Tensor x = tg::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  const auto v = tg::as_xtensor<float>(x);
  const tg::Tensor y = tg::from_xtensor(v * 2.f);
  {
    tg::NoGradGuard no_grad;
    tg::as_xtensor_mut<float>(x)(0, 0) = 10.f;
  }
  const bool ok = y.to_vector<float>() == std::vector<float>{2, 4, 6, 8} &&
                  x.to_vector<float>()[0] == 10.f && xt::sum(v)() == 19.f;
  std::printf("xtensor interop: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
