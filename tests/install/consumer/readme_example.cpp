// The README's ten-line example, compiled against an installed tapegrad.
#include <iostream>
#include <tapegrad.hpp>

int main() {
  tg::Generator gen(42);
  tg::Tensor x = tg::randn({256, 2}, gen);  // float32 by default
  tg::Tensor w = tg::randn({2, 3}, gen, tg::kFloat64).requires_grad_();
  tg::Tensor y = tg::softplus(tg::matmul(x.to(tg::kFloat64), w)).sum(1).mean();
  tg::Tensor g = tg::grad({y}, {w}, {.create_graph = true})[0];  // dy/dw, itself differentiable
  (g * g).sum().backward();  // double backprop: d‖dy/dw‖²/dw accumulates into w.grad()
  std::cout << "y = " << y.item<double>() << "\ndy/dw = " << g << "\nw.grad() = " << w.grad()
            << "\n"
            << tg::format_tape({y});
}
