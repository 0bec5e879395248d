// The op table's shape-op entries (autograd/include/tapegrad/autograd/ops/shape_ops.hpp).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "entries.hpp"

namespace tgtest::entries {

namespace {

/// A linear op is checked on op(x·y) with x, y of the input shape: the product makes the
/// second-order check non-trivial (a linear op alone has a zero second derivative).
using MoveOp = std::function<Tensor(const Tensor&)>;

Sample moved(std::string label, Shape in, MoveOp op) {
  return {std::move(label),
          {{.shape = in, .seed = 21}, {.shape = in, .seed = 22}},
          [op](const TensorList& x) { return op(x[0] * x[1]); }};
}

OpEntry movement(std::string label, std::string name, std::vector<Sample> samples,
                 std::vector<BadInput> bad) {
  OpEntry e{.label = std::move(label),
            .name = std::move(name),
            .samples = std::move(samples),
            .bad = std::move(bad)};
  e.fn = e.samples.front().fn;
  return e;
}

}  // namespace

void add_shape_ops(std::vector<OpEntry>& t) {
  using T = Tensor;
  const Shape s = {2, 3};
  t.push_back(movement("reshape", "reshape",
                       {moved("to_4x6", {2, 3, 4},
                              [](const T& x) {
                                return tg::reshape(x, {4, 6});
                              }),
                        moved("infer", {2, 3, 4},
                              [](const T& x) {
                                return tg::reshape(x, {-1, 2});
                              }),
                        moved("view_method", {2, 3, 4},
                              [](const T& x) {
                                return x.view({3, -1});
                              }),
                        moved("rank0", {1, 1}, [](const T& x) { return tg::reshape(x, {}); }),
                        moved("rank0_to_1", {}, [](const T& x) { return tg::reshape(x, {1}); })},
                       {{"wrong_size",
                         K::Shape,
                         {"reshape", "[2, 3]", "[4, 2]"},
                         [s] {
                           tg::reshape(f32(s), {4, 2});
                         }},
                        {"two_minus_ones",
                         K::Shape,
                         {"reshape", "[-1, -1]"},
                         [s] {
                           tg::reshape(f32(s), {-1, -1});
                         }},
                        {"negative_extent",
                         K::Shape,
                         {"reshape", "[-2, -3]"},
                         [s] {
                           tg::reshape(f32(s), {-2, -3});
                         }},
                        {"minus_one_does_not_fit", K::Shape, {"reshape", "[2, 3]", "[-1, 4]"}, [] {
                           tg::reshape(tg::ones({2, 3}), {-1, 4});
                         }}}));
  t.push_back(movement(
      "flatten", "flatten",
      {moved("all", {2, 3, 4}, [](const T& x) { return tg::flatten(x); }),
       moved("tail", {2, 3, 4}, [](const T& x) { return x.flatten(1); }),
       moved("head", {2, 3, 4}, [](const T& x) { return tg::flatten(x, 0, -2); }),
       moved("rank0", {}, [](const T& x) { return tg::flatten(x); })},
      {{"bad_axis", K::Value, {"flatten", "axis 5", "rank 2"}, [s] { tg::flatten(f32(s), 5); }},
       {"bad_axis_2",
        K::Value,
        {"flatten", "axis 2", "rank 2"},
        [] {
          tg::flatten(tg::ones({2, 3}), 2);
        }},
       {"end_before_start", K::Value, {"flatten", "[2, 3]"}, [s] { tg::flatten(f32(s), 1, 0); }},
       {"end_before_start_rank3", K::Value, {"flatten", "[2, 3, 4]"}, [] {
          tg::flatten(tg::ones({2, 3, 4}), 2, 0);
        }}}));
  t.push_back(movement(
      "squeeze", "squeeze",
      {moved("axis1", {2, 1, 3}, [](const T& x) { return tg::squeeze(x, 1); }),
       moved("neg", {2, 3, 1}, [](const T& x) { return x.squeeze(-1); })},
      {{"non_unit_axis", K::Shape, {"squeeze", "[2, 3]"}, [s] { tg::squeeze(f32(s), 0); }},
       {"non_unit_axis_names_size",
        K::Shape,
        {"squeeze", "[2, 3]", "size 2"},
        [] {
          tg::squeeze(tg::ones({2, 3}), 0);
        }},
       {"bad_axis", K::Value, {"squeeze", "axis 4", "rank 2"}, [s] { tg::squeeze(f32(s), 4); }},
       {"bad_axis_2", K::Value, {"squeeze", "axis 2", "rank 2"}, [] {
          tg::squeeze(tg::ones({2, 3}), 2);
        }}}));
  t.push_back(movement(
      "unsqueeze", "unsqueeze",
      {moved("front", {2, 3}, [](const T& x) { return tg::unsqueeze(x, 0); }),
       moved("back", {2, 3}, [](const T& x) { return x.unsqueeze(-1); }),
       moved("mid", {2, 3}, [](const T& x) { return tg::unsqueeze(x, 1); }),
       moved("rank0", {}, [](const T& x) { return tg::unsqueeze(x, 0); })},
      {{"bad_axis", K::Value, {"unsqueeze", "axis 5", "rank 3"}, [s] { tg::unsqueeze(f32(s), 5); }},
       {"bad_axis_3",
        K::Value,
        {"unsqueeze", "axis 3"},
        [] {
          tg::unsqueeze(tg::ones({2, 3}), 3);
        }},
       {"bad_axis_neg4", K::Value, {"unsqueeze", "axis -4"}, [] {
          tg::unsqueeze(tg::ones({2, 3}), -4);
        }}}));
  t.push_back(movement(
      "expand", "expand",
      {moved("new_axis", {3, 1},
             [](const T& x) {
               return tg::expand(x, {2, 3, 4});
             }),
       moved("keep", {3, 1},
             [](const T& x) {
               return x.expand({-1, 4});
             })},
      {{"incompatible",
        K::Shape,
        {"expand", "[2, 3]", "[4, 3]"},
        [s] {
          tg::expand(f32(s), {4, 3});
        }},
       {"smaller_rank", K::Shape, {"expand", "[2, 3]", "[3]"}, [s] { tg::expand(f32(s), {3}); }},
       {"incompatible_2",
        K::Shape,
        {"expand", "[2, 3]", "[2, 4]"},
        [] {
          tg::expand(tg::ones({2, 3}), {2, 4});
        }},
       {"minus_one_on_new_axis", K::Shape, {"expand", "[2, 3]", "[-1, 2, 3]"}, [] {
          tg::expand(tg::ones({2, 3}), {-1, 2, 3});
        }}}));
  t.push_back(
      movement("broadcast_to", "broadcast_to",
               {moved("rows", {1, 3},
                      [](const T& x) {
                        return tg::broadcast_to(x, {2, 2, 3});
                      })},
               {{"incompatible",
                 K::Shape,
                 {"[2, 3]", "[2, 4]"},
                 [s] {
                   tg::broadcast_to(f32(s), {2, 4});
                 }},
                {"incompatible_names_expand", K::Shape, {"expand", "[2, 3]", "[5, 3, 2]"}, [] {
                   tg::broadcast_to(tg::ones({2, 3}), {5, 3, 2});
                 }}}));
  t.push_back(
      movement("transpose", "transpose",
               {moved("outer_axes", {2, 3, 4}, [](const T& x) { return tg::transpose(x, 0, 2); }),
                moved("neg", {2, 3, 4}, [](const T& x) { return x.transpose(-1, -2); }),
                moved("t_method", {3, 5}, [](const T& x) { return x.t(); })},
               {{"bad_axis",
                 K::Value,
                 {"transpose", "axis 2", "rank 2"},
                 [s] { tg::transpose(f32(s), 0, 2); }},
                {"bad_negative_axis", K::Value, {"transpose", "axis -3"}, [] {
                   tg::transpose(tg::ones({2, 3}), 0, -3);
                 }}}));
  t.push_back(movement(
      "permute", "permute",
      {moved("rotate", {2, 3, 4},
             [](const T& x) {
               return tg::permute(x, {1, 2, 0});
             }),
       moved("neg", {2, 3, 4},
             [](const T& x) {
               return x.permute({-1, 0, -2});
             })},
      {{"too_few_axes", K::Shape, {"permute", "[0]", "[2, 3]"}, [s] { tg::permute(f32(s), {0}); }},
       {"repeated_axis",
        K::Value,
        {"permute", "[1, 1]"},
        [s] {
          tg::permute(f32(s), {1, 1});
        }},
       {"axis_out_of_range", K::Value, {"permute", "axis 2"}, [] {
          tg::permute(tg::ones({2, 3}), {0, 2});
        }}}));
  // cat and stack of squares, inputs k holding disjoint shapes.
  auto join = [](bool is_stack, int64_t axis) {
    return [is_stack, axis](const TensorList& in) {
      std::vector<Tensor> sq;
      for (const auto& x : in) sq.push_back(x * x);
      return is_stack ? tg::stack(sq, axis) : tg::cat(sq, axis);
    };
  };
  auto join_sample = [&](std::string label, bool is_stack, int64_t axis,
                         std::vector<Shape> shapes) {
    Sample smp{std::move(label), {}, join(is_stack, axis)};
    for (size_t k = 0; k < shapes.size(); ++k)
      smp.inputs.push_back({.shape = shapes[k], .seed = 30 + k});
    return smp;
  };
  const Tensor a = tg::ones({2, 3}), b = tg::ones({2, 4});
  t.push_back(movement("cat", "cat",
                       {join_sample("axis0", false, 0, {{1, 3}, {2, 3}, {3, 3}}),
                        join_sample("axis1", false, 1, {{2, 1}, {2, 3}}),
                        join_sample("neg_axis", false, -1, {{2, 2, 1}, {2, 2, 2}}),
                        join_sample("single", false, 0, {{2, 2}})},
                       {{"no_tensors", K::Value, {"cat"}, [] { tg::cat({}); }},
                        {"shapes_differ",
                         K::Shape,
                         {"cat", "[2, 3]", "[2, 4]"},
                         [s] {
                           tg::cat({f32(s), f32({2, 4})}, 0);
                         }},
                        {"ranks_differ",
                         K::Shape,
                         {"cat", "[2, 3]", "[3]"},
                         [a] {
                           tg::cat({a, tg::ones({3})}, 0);
                         }},
                        {"bad_axis",
                         K::Value,
                         {"cat", "axis 2"},
                         [s] {
                           tg::cat({f32(s), f32(s)}, 2);
                         }},
                        {"bad_axis_names_rank",
                         K::Value,
                         {"cat", "axis 2", "rank 2"},
                         [a] {
                           tg::cat({a, a}, 2);
                         }},
                        {"mixed_dtypes", K::Dtype, {"cat", "float32", "float64"}, [s] {
                           tg::cat({f32(s), f64(s)});
                         }}}));
  t.push_back(movement("stack", "stack",
                       {join_sample("axis0", true, 0, {{2, 3}, {2, 3}, {2, 3}}),
                        join_sample("axis1", true, 1, {{2, 3}, {2, 3}}),
                        join_sample("neg_axis", true, -1, {{2, 3}, {2, 3}})},
                       {{"no_tensors", K::Value, {"stack"}, [] { tg::stack({}); }},
                        {"shapes_differ",
                         K::Shape,
                         {"stack", "[2, 3]", "[3, 2]"},
                         [s] {
                           tg::stack({f32(s), f32({3, 2})});
                         }},
                        {"shapes_differ_2",
                         K::Shape,
                         {"stack", "[2, 3]", "[2, 4]"},
                         [a, b] {
                           tg::stack({a, b});
                         }},
                        {"bad_axis",
                         K::Value,
                         {"stack", "axis 3"},
                         [a] {
                           tg::stack({a, a}, 3);
                         }},
                        {"mixed_dtypes", K::Dtype, {"stack", "float32", "float64"}, [s] {
                           tg::stack({f32(s), f64(s)});
                         }}}));
  // split and chunk: every piece, each weighted differently so a mix-up shows.
  auto pieces = [](std::vector<Tensor> ps) {
    Tensor total = (ps[0] * ps[0]).sum();
    for (size_t k = 1; k < ps.size(); ++k)
      total = total + (ps[k] * ps[k]).sum() * static_cast<double>(k + 1);
    return total;
  };
  t.push_back(
      movement("split", "split",
               {{"size3_axis0",
                 {{.shape = {7, 2}, .seed = 40}},
                 [pieces](const TensorList& in) { return pieces(tg::split(in[0], 3, 0)); }},
                {"size2_axis1",
                 {{.shape = {2, 5}, .seed = 40}},
                 [pieces](const TensorList& in) { return pieces(tg::split(in[0], 2, 1)); }}},
               {{"size_zero", K::Value, {"split", "0"}, [s] { tg::split(f32(s), 0); }},
                {"negative_size", K::Value, {"split", "-2"}, [s] { tg::split(f32(s), -2); }},
                {"size_zero_named", K::Value, {"split", "size"}, [a] { tg::split(a, 0, 0); }},
                {"bad_axis", K::Value, {"split", "axis 2"}, [a] { tg::split(a, 1, 2); }}}));
  t.push_back(
      movement("chunk", "chunk",
               {{"three_axis0",
                 {{.shape = {7, 2}, .seed = 41}},
                 [pieces](const TensorList& in) { return pieces(tg::chunk(in[0], 3, 0)); }},
                {"three_axis1",
                 {{.shape = {2, 5}, .seed = 41}},
                 [pieces](const TensorList& in) { return pieces(tg::chunk(in[0], 3, 1)); }}},
               {{"k_zero", K::Value, {"chunk", "0"}, [s] { tg::chunk(f32(s), 0); }},
                {"k_zero_named", K::Value, {"chunk", "chunks"}, [a] { tg::chunk(a, 0, 0); }},
                {"bad_axis", K::Value, {"chunk", "axis 3"}, [s] { tg::chunk(f32(s), 2, 3); }}}));
  const Tensor x34 = tg::ones({3, 4});
  t.push_back(movement(
      "slice", "slice",
      {moved("axis0_step2", {5, 3}, [](const T& x) { return tg::slice(x, 0, 1, 4, 2); }),
       moved("neg_start_clamped_stop", {2, 5, 3},
             [](const T& x) { return tg::slice(x, 1, -4, 100, 3); }),
       moved("last_axis_step4", {2, 6}, [](const T& x) { return tg::slice(x, -1, 0, 6, 4); }),
       moved("neg_stop", {4, 2}, [](const T& x) { return tg::slice(x, 0, 0, -1); }),
       moved("empty", {2, 4}, [](const T& x) { return tg::slice(x, 1, 3, 1); })},
      {{"step_zero", K::Value, {"slice", "0"}, [s] { tg::slice(f32(s), 1, 0, 3, 0); }},
       {"negative_step", K::Value, {"slice", "-1"}, [s] { tg::slice(f32(s), 1, 0, 3, -1); }},
       {"bad_axis", K::Value, {"slice", "axis 2"}, [s] { tg::slice(f32(s), 2, 0, 1); }},
       {"step_zero_named", K::Value, {"slice", "step", "0"}, [x34] { tg::slice(x34, 0, 0, 3, 0); }},
       {"negative_step_named",
        K::Value,
        {"slice", "step", "-1"},
        [x34] { tg::slice(x34, 0, 3, 0, -1); }},
       {"bad_axis_names_rank", K::Value, {"slice", "axis 2", "rank 2"}, [x34] {
          tg::slice(x34, 2, 0, 1);
        }}}));
  t.push_back(movement("index_select", "index_select",
                       {moved("rows", {3, 4},
                              [](const T& x) {
                                return tg::index_select(x, 0, {2, 0, 2});
                              }),
                        moved("cols", {2, 3, 4},
                              [](const T& x) {
                                return tg::index_select(x, -1, {3, 1});
                              })},
                       {{"index_too_large",
                         K::Value,
                         {"index_select", "3", "[2, 3]"},
                         [s] {
                           tg::index_select(f32(s), 1, {0, 3});
                         }},
                        {"index_too_negative",
                         K::Value,
                         {"index_select", "-4", "[2, 3]"},
                         [s] { tg::index_select(f32(s), 1, {-4}); }},
                        {"index_4",
                         K::Value,
                         {"index_select", "index 4", "[3, 4]"},
                         [x34] {
                           tg::index_select(x34, 1, {0, 4});
                         }},
                        {"index_neg1",
                         K::Value,
                         {"index_select", "index -1", "[3, 4]"},
                         [x34] { tg::index_select(x34, 0, {-1}); }},
                        {"bad_axis", K::Value, {"index_select", "axis -3"}, [x34] {
                           tg::index_select(x34, -3, {0});
                         }}}));
  t.push_back(
      movement("gather", "gather",
               {moved("axis1", {2, 4},
                      [](const T& x) {
                        return tg::gather(x, 1, {{3, 0, 0, 1, 2, 2}, {2, 3}});
                      }),
                moved("axis0_smaller_index", {3, 4},
                      [](const T& x) {
                        return tg::gather(x, 0, {{2, 0, 1, 1}, {2, 2}});
                      })},
               {{"index_out_of_range",
                 K::Value,
                 {"gather", "7", "[2, 3]"},
                 [s] {
                   tg::gather(f32(s), 1, {{0, 7}, {2, 1}});
                 }},
                {"index_wrong_rank",
                 K::Shape,
                 {"gather", "[2]", "[2, 3]"},
                 [s] {
                   tg::gather(f32(s), 1, {{0, 1}, {2}});
                 }},
                {"values_do_not_fill_index_shape",
                 K::Shape,
                 {"gather", "[2, 2]"},
                 [s] {
                   tg::gather(f32(s), 1, {{0, 1, 2}, {2, 2}});
                 }},
                {"index_5",
                 K::Value,
                 {"gather", "index 5", "[3, 4]"},
                 [x34] {
                   tg::gather(x34, 1, {{0, 5}, {1, 2}});
                 }},
                {"index_wrong_rank_2",
                 K::Shape,
                 {"gather", "[2]", "[3, 4]"},
                 [x34] {
                   tg::gather(x34, 1, {{0, 1}, {2}});
                 }},
                {"values_do_not_fill_1x2",
                 K::Shape,
                 {"gather", "[1, 2]"},
                 [x34] {
                   tg::gather(x34, 1, {{0, 1, 2}, {1, 2}});
                 }},
                {"index_taller_than_input", K::Shape, {"gather", "[5, 1]", "[3, 4]"}, [x34] {
                   tg::gather(x34, 1, {{0, 0, 0, 0, 0}, {5, 1}});
                 }}}));
  t.push_back(
      movement("repeat", "repeat",
               {moved("each_axis", {2, 3},
                      [](const T& x) {
                        return tg::repeat(x, {2, 3});
                      }),
                moved("new_axis", {2, 3},
                      [](const T& x) {
                        return tg::repeat(x, {2, 1, 2});
                      })},
               {{"wrong_rank", K::Shape, {"repeat", "[2, 3]"}, [s] { tg::repeat(f32(s), {2}); }},
                {"negative",
                 K::Value,
                 {"repeat", "[1, -1]"},
                 [s] {
                   tg::repeat(f32(s), {1, -1});
                 }},
                {"negative_2", K::Value, {"repeat", "[2, -1]"}, [s] {
                   tg::repeat(f32(s), {2, -1});
                 }}}));
  t.push_back(movement("tile", "tile",
                       {moved("short_reps", {2, 3}, [](const T& x) { return tg::tile(x, {2}); })},
                       {{"negative", K::Value, {"[-2, 1]"}, [s] {
                           tg::tile(f32(s), {-2, 1});
                         }}}));
  t.push_back(
      movement("pad", "pad",
               {moved("last_axis_only", {2, 2},
                      [](const T& x) {
                        return tg::pad(x, {{0, 0}, {1, 2}});
                      }),
                moved("both_axes_constant", {2, 3},
                      [](const T& x) {
                        return tg::pad(x, {{1, 2}, {2, 1}}, -1.0);
                      })},
               {{"negative",
                 K::Value,
                 {"pad", "(0, -1)"},
                 [s] {
                   tg::pad(f32(s), {{0, 0}, {0, -1}});
                 }},
                {"negative_2",
                 K::Value,
                 {"pad", "(1, -1)"},
                 [s] {
                   tg::pad(f32(s), {{1, -1}, {0, 0}});
                 }},
                {"too_many_pairs",
                 K::Value,
                 {"pad", "expected 2", "[2, 3]", "got 3"},
                 [s] {
                   tg::pad(f32(s), {{1, 1}, {1, 1}, {1, 1}});
                 }},
                {"one_pair_for_two_axes",
                 K::Value,
                 {"pad", "expected 2", "[2, 3]", "first axis first", "last axis first", "got 1"},
                 [s] {
                   tg::pad(f32(s), {{1, 2}});
                 }}}));
}

}  // namespace tgtest::entries
