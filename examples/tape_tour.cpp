// tape_tour: what the tape holds, for readers who study autodiff internals.
//
// Reverse mode records every op on a tape as it runs forward: a node per op, holding the
// tensors its backward rule needs ("saved" tensors) and edges to the nodes that made its
// inputs. backward() walks the tape in reverse creation order and, unless asked to keep
// it, frees each node's saved tensors as it goes. Three graphs show it:
//
//   readme         the README's ten lines: y = mean(sum(softplus(x·w))), then g = ∂y/∂w
//                  with create_graph (a differentiable gradient) and ‖g‖² backpropagated:
//                  double backprop through the recorded backward of y;
//   gan_gp         a discriminator step with the GAN-GP penalty λ·E(‖∇ₓa(x̂)‖ − 1)²: the
//                  penalty's gradient norm is itself a recorded graph (create_graph), and
//                  the loss's backward runs through it (tg::est::penalty_term);
//   hessian_trace  the exact trace of the Hessian of a small energy MLP, one Hessian-vector
//                  product per input dimension (tg::hessian_trace_loop, create_graph), as
//                  exact score matching needs it.
//
// For each it prints the tape in order (tg::format_tape: sequence number, op, shapes,
// bytes saved, inputs), writes it as Graphviz DOT (tg::to_dot) and renders it to PNG
// with `dot -Tpng`, and reads tg::live_nodes() and tg::live_bytes() before building,
// after building and after backward. --steps repeats each build and backward to show
// that nothing accumulates.
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <functional>

#include "common/example.hpp"
#include "tapegrad.hpp"
#include "tapegrad/autograd/introspect.hpp"

namespace {

struct Graph {
  std::string name, what;
  /// Builds the graph and returns its outputs: all are printed and drawn, the first is
  /// backpropagated from. Leaves are created inside, so everything is freed with them.
  std::function<tg::TensorList(tg::Generator&)> build;
};

struct Memory {
  int64_t nodes = 0, bytes = 0;
  static Memory now() { return {tg::live_nodes(), tg::live_bytes()}; }
};

/// Renders `dot_file` to `png_file` with Graphviz; throws tg::IoError naming the missing
/// package when `dot` is not installed.
void render(const std::string& dot_file, const std::string& png_file) {
  if (std::system("dot -V > /dev/null 2>&1") != 0)
    throw tg::IoError(
        "tape_tour: Graphviz's `dot` was not found on PATH; install it (Debian: apt-get "
        "install graphviz, as .ci/install-deps does) to render the tapes to PNG");
  const std::string command = fmt::format("dot -Tpng '{}' -o '{}'", dot_file, png_file);
  if (std::system(command.c_str()) != 0)
    throw tg::IoError(fmt::format("tape_tour: `{}` failed", command));
}

// ---- the three graphs ----

tg::TensorList readme_graph(tg::Generator& gen) {
  tg::Tensor x = tg::randn({256, 2}, gen);
  tg::Tensor w = tg::randn({2, 3}, gen, tg::kFloat64).requires_grad_();
  tg::Tensor y = tg::softplus(tg::matmul(x.to(tg::kFloat64), w)).sum(1).mean();
  tg::Tensor g = tg::grad({y}, {w}, {.create_graph = true})[0];
  return {(g * g).sum(), y};
}

tg::TensorList gan_gp_graph(tg::Generator& gen) {
  auto disc = std::make_shared<tg::nn::MLP>(std::vector<int64_t>{2, 16, 16, 1},
                                            tg::nn::Activation::ReLU, gen);
  const tg::est::Critic critic = [disc](const tg::Tensor& v) { return (*disc)(v); };
  const tg::Tensor real = tg::randn({8, 2}, gen), fake = tg::randn({8, 2}, gen) + 1.0;
  return {tg::est::discriminator_loss(critic(real), critic(fake)) +
          tg::est::penalty_term(tg::est::Penalty::GanGp, critic, real, fake, 10.0, gen)};
}

tg::TensorList hessian_trace_graph(tg::Generator& gen) {
  auto energy =
      std::make_shared<tg::nn::MLP>(std::vector<int64_t>{2, 8, 1}, tg::nn::Activation::Tanh, gen);
  const tg::Tensor x = tg::randn({4, 2}, gen).requires_grad_();  // the trace is taken in x
  const tg::Tensor trace = tg::hessian_trace_loop(
      [energy](const tg::Tensor& v) { return (*energy)(v).reshape({v.size(0)}); }, x,
      {.create_graph = true});
  return {trace.mean()};
}

}  // namespace

int main(int argc, char** argv) {
  tg::examples::Example ex("tape_tour", "the tape of three graphs, printed, drawn and freed",
                           {.steps = 3, .full_steps = 100});
  if (auto rc = ex.parse(argc, argv)) return *rc;
  const auto& flags = ex.flags();
  const std::vector<Graph> graphs{
      {"readme", "the README's ten lines (double backprop)", readme_graph},
      {"gan_gp", "a GAN-GP discriminator loss (the penalty's double backward)", gan_gp_graph},
      {"hessian_trace", "an exact Hessian trace (hessian_trace_loop)", hessian_trace_graph}};

  tg::examples::JsonObject metrics;
  metrics.add("steps", flags.steps);
  std::vector<std::string> names;
  for (const Graph& graph : graphs) {
    tg::Generator gen(flags.seed);
    ex.say("\n== {}: {} ==", graph.name, graph.what);
    const Memory before = Memory::now();
    Memory built, after;
    size_t tape_length = 0, saved_bytes = 0;
    for (int64_t step = 0; step < flags.steps; ++step) {
      tg::TensorList outputs = graph.build(gen);
      built = Memory::now();
      if (step == 0) {
        const auto entries = tg::tape(outputs);
        tape_length = entries.size();
        for (const auto& e : entries) saved_bytes += e.saved_bytes;
        ex.say("{}", tg::format_tape(outputs));
        const std::string dot_file = ex.path(graph.name + ".dot");
        std::ofstream(dot_file) << tg::to_dot(outputs);
        render(dot_file, ex.path(graph.name + ".png"));
        ex.picture(graph.name + ".png", "the tape of " + graph.what);
      }
      outputs[0].backward();  // frees the saved tensors of every node it runs
      after = Memory::now();
      if (step == 0)
        ex.say(
            "live nodes: {} before building, {} built, {} after backward "
            "(the outputs still hold their nodes)",
            before.nodes, built.nodes, after.nodes);
    }
    const Memory released = Memory::now();  // the outputs and leaves are gone
    ex.say("live bytes: {} before, {} built, {} after backward, {} once the outputs are dropped",
           before.bytes, built.bytes, after.bytes, released.bytes);
    ex.say("after {} builds and backward passes: {} live nodes, {} live bytes (started at {}, {})",
           flags.steps, released.nodes, released.bytes, before.nodes, before.bytes);
    const std::string& n = graph.name;
    metrics.add(n + "_tape_length", static_cast<int64_t>(tape_length));
    metrics.add(n + "_saved_bytes", static_cast<int64_t>(saved_bytes));
    metrics.add(
        n + "_live_nodes",
        std::vector<double>{static_cast<double>(before.nodes), static_cast<double>(built.nodes),
                            static_cast<double>(after.nodes), static_cast<double>(released.nodes)});
    metrics.add(
        n + "_live_bytes",
        std::vector<double>{static_cast<double>(before.bytes), static_cast<double>(built.bytes),
                            static_cast<double>(after.bytes), static_cast<double>(released.bytes)});
    names.push_back(n);
  }
  metrics.add("graphs", names);
  ex.finish(metrics);
  return 0;
}
