// The op table's reduction entries (autograd/include/tapegrad/autograd/ops/reduction.hpp).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "entries.hpp"

namespace tgtest::entries {

namespace {

struct AxesCase {
  std::string name;
  tg::Axes axes;
};

const std::vector<AxesCase> kAxes = {
    {"all_empty", {}},  {"axis0", {0}},
    {"axis1", {1}},     {"axis_neg1", {-1}},
    {"axes02", {0, 2}}, {"axes_neg3_neg1", {-1, -3}},
    {"axes12", {2, 1}}, {"all_explicit", {0, 1, 2}},
};

using ReduceOp = std::function<Tensor(const Tensor&, const tg::Axes&, bool)>;

/// A reduction over every axes choice, with and without keepdim, of one [2, 3, 4] input
/// of distinct values (no ties for max/min) none near 0 (norm).
OpEntry reduction(std::string label, std::string name, ReduceOp op) {
  OpEntry e{.label = std::move(label), .name = std::move(name), .fn = [op](const TensorList& in) {
              return op(in[0], {}, false);
            }};
  e.over_axes = [op](const Tensor& x, const tg::Axes& axes) { return op(x, axes, false); };
  for (const auto& a : kAxes)
    for (bool keep : {false, true})
      e.samples.push_back(
          {a.name + (keep ? "_keepdim" : ""),
           {{.shape = {2, 3, 4}, .seed = 7, .lo = -1.5, .hi = 1.5}},
           [op, axes = a.axes, keep](const TensorList& in) { return op(in[0], axes, keep); }});
  const std::string n = e.name;
  e.bad = {
      {"axis_out_of_range",
       K::Value,
       {n, "axis 2", "rank 2"},
       [op] {
         op(f32({2, 3}), {2}, false);
       }},
      {"negative_axis_out_of_range",
       K::Value,
       {n, "axis -3", "rank 2"},
       [op] {
         op(f32({2, 3}), {-3}, false);
       }},
      {"axis_named_twice",
       K::Value,
       {n, "[1, -1]"},
       [op] {
         op(f32({2, 3}), {1, -1}, false);
       }},
      {"axis_out_of_range_rank3",
       K::Value,
       {n, "axis 3", "rank 3"},
       [op] {
         op(tg::ones({2, 3, 4}), {3}, false);
       }},
      {"negative_axis_out_of_range_keepdim",
       K::Value,
       {n, "axis -4", "rank 3"},
       [op] {
         op(tg::ones({2, 3, 4}), {-4}, true);
       }},
      {"axis_named_twice_rank3",
       K::Value,
       {n, "twice"},
       [op] {
         op(tg::ones({2, 3, 4}), {1, -2}, false);
       }},
      {"undefined_input", K::Any, {n, "undefined"}, [op] { op(Tensor(), {}, false); }},
  };
  return e;
}

}  // namespace

void add_reductions(std::vector<OpEntry>& t) {
  using T = Tensor;
  using A = tg::Axes;
  t.push_back(
      reduction("sum", "sum", [](const T& x, const A& a, bool k) { return tg::sum(x, a, k); }));
  t.push_back(
      reduction("mean", "mean", [](const T& x, const A& a, bool k) { return tg::mean(x, a, k); }));
  t.push_back(
      reduction("var", "var", [](const T& x, const A& a, bool k) { return tg::var(x, a, 1, k); }));
  t.back().bad.push_back(
      {"negative_correction", K::Value, {"var", "-1"}, [] { tg::var(f32({4}), {}, -1); }});
  t.back().bad.push_back({"negative_correction_named", K::Value, {"var", "correction"}, [] {
                            tg::var(tg::ones({3}), {}, -1);
                          }});
  t.push_back(reduction("var_correction0", "var",
                        [](const T& x, const A& a, bool k) { return tg::var(x, a, 0, k); }));
  t.push_back(
      reduction("std", "std", [](const T& x, const A& a, bool k) { return tg::std(x, a, 1, k); }));
  t.back().bad.push_back(
      {"negative_correction", K::Value, {"std", "-1"}, [] { tg::std(f32({4}), {}, -1); }});
  t.back().bad.push_back({"negative_correction_named", K::Value, {"std", "correction"}, [] {
                            tg::std(tg::ones({3}), {}, -1);
                          }});
  t.push_back(reduction("std_correction0", "std",
                        [](const T& x, const A& a, bool k) { return tg::std(x, a, 0, k); }));
  t.push_back(
      reduction("max", "max", [](const T& x, const A& a, bool k) { return tg::max(x, a, k); }));
  t.back().bad.push_back({"empty_tensor", K::Value, {"max", "[0, 3]"}, [] {
                            tg::max(f32({0, 3}), {0});
                          }});
  t.back().bad.push_back({"empty_tensor_all_axes", K::Value, {"max", "[0, 3]"}, [] {
                            tg::max(tg::ones({0, 3}));
                          }});
  t.push_back(
      reduction("min", "min", [](const T& x, const A& a, bool k) { return tg::min(x, a, k); }));
  t.back().bad.push_back({"empty_tensor", K::Value, {"min", "[0, 3]"}, [] {
                            tg::min(f32({0, 3}), {0});
                          }});
  t.back().bad.push_back({"empty_axis", K::Value, {"min", "[2, 0]"}, [] {
                            tg::min(tg::ones({2, 0}), {1});
                          }});
  t.push_back(reduction("logsumexp", "logsumexp",
                        [](const T& x, const A& a, bool k) { return tg::logsumexp(x, a, k); }));
  t.back().smooth = true;
  t.back().bad.push_back({"empty_tensor", K::Value, {"logsumexp", "[0, 3]"}, [] {
                            tg::logsumexp(f32({0, 3}), {0});
                          }});
  t.push_back(
      reduction("norm", "norm", [](const T& x, const A& a, bool k) { return tg::norm(x, a, k); }));

  // softmax and log_softmax over each axis of the same input shape, values in [-2, 2).
  for (const std::string name : {"softmax", "log_softmax"}) {
    const bool log = name == "log_softmax";
    auto op = [log](const T& x, int64_t axis) {
      return log ? tg::log_softmax(x, axis) : tg::softmax(x, axis);
    };
    OpEntry e{.label = name,
              .name = name,
              .fn = [op](const TensorList& in) { return op(in[0], -1); },
              .smooth = true};
    e.over_axes = [op](const T& x, const tg::Axes& axes) { return op(x, axes[0]); };
    for (int64_t axis : {0, 1, 2, -1, -2})
      e.samples.push_back(
          {(axis < 0 ? "axis_neg" : "axis_") + std::to_string(axis < 0 ? -axis : axis),
           {{.shape = {2, 3, 4}, .seed = 8, .lo = -2, .hi = 2}},
           [op, axis](const TensorList& in) { return op(in[0], axis); }});
    e.bad = {{"axis_out_of_range",
              K::Value,
              {name, "axis 2", "rank 2"},
              [op] {
                op(f32({2, 3}), 2);
              }},
             {"negative_axis_out_of_range",
              K::Value,
              {name, "axis -3", "rank 2"},
              [op] {
                op(f32({2, 3}), -3);
              }},
             {log ? "negative_axis_out_of_range_rank3" : "axis_out_of_range_rank3",
              K::Value,
              {name, log ? "axis -4" : "axis 3", "rank 3"},
              [op, log] {
                op(tg::ones({2, 3, 4}), log ? -4 : 3);
              }}};
    t.push_back(std::move(e));
  }

  // An empty axis has no max, min or logsumexp.
  for (auto& e : t)
    if (e.label == "max" || e.label == "min" || e.label == "logsumexp") e.empty_ok = false;

  OpEntry sum_to{.label = "sum_to", .name = "sum_to", .fn = [](const TensorList& in) {
                   return tg::sum_to(in[0], {3, 1});
                 }};
  for (const Shape& target : {Shape{2, 3, 4}, Shape{3, 4}, Shape{3, 1}, Shape{1, 4}, Shape{4},
                              Shape{1}, Shape{}, Shape{2, 1, 1}, Shape{2, 1, 4}})
    sum_to.samples.push_back(
        {label_of("to", target.str()),
         {{.shape = {2, 3, 4}, .seed = 9}},
         [target](const TensorList& in) { return tg::sum_to(in[0], target); }});
  sum_to.bad = {{"incompatible_shape",
                 K::Shape,
                 {"sum_to", "[2, 3]", "[4]"},
                 [] {
                   tg::sum_to(f32({2, 3}), {4});
                 }},
                {"incompatible_shape_2",
                 K::Shape,
                 {"sum_to", "[2, 3]", "[2]"},
                 [] {
                   tg::sum_to(tg::ones({2, 3}), {2});
                 }},
                {"higher_rank", K::Shape, {"sum_to", "[2, 3]", "[1, 2, 3]"}, [] {
                   tg::sum_to(tg::ones({2, 3}), {1, 2, 3});
                 }}};
  t.push_back(std::move(sum_to));
}

}  // namespace tgtest::entries
