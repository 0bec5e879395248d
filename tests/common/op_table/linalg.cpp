// The op table's linear-algebra entries (autograd/include/tapegrad/autograd/ops/linalg.hpp).
#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../../../autograd/src/ops/linalg_internal.hpp"  // the transpose-flag matmul forms

#include "entries.hpp"

namespace tgtest::entries {

void add_linalg(std::vector<OpEntry>& t) {
  OpEntry mm{.label = "matmul",
             .name = "matmul",
             .fn = [](const TensorList& in) { return tg::matmul(in[0], in[1]); },
             .anomaly_op = "matmul"};
  for (const auto& [label, a, b] :
       std::vector<std::tuple<std::string, Shape, Shape>>{{"vec_vec", {4}, {4}},
                                                          {"vec_mat", {3}, {3, 2}},
                                                          {"mat_vec", {2, 3}, {3}},
                                                          {"mat_mat", {2, 3}, {3, 4}},
                                                          {"mat_mat_1x1", {1, 1}, {1, 1}},
                                                          {"batch_batch", {2, 2, 3}, {2, 3, 2}},
                                                          {"batch_mat", {3, 2, 3}, {3, 2}},
                                                          {"mat_batch", {2, 3}, {3, 3, 2}},
                                                          {"batch1_batchB", {1, 2, 3}, {3, 3, 2}},
                                                          {"batchB_batch1", {3, 2, 3}, {1, 3, 2}},
                                                          {"vec_batch", {3}, {2, 3, 2}},
                                                          {"batch_vec", {2, 2, 3}, {3}}})
    mm.samples.push_back({label, {{.shape = a, .seed = 1}, {.shape = b, .seed = 2}}});
  auto m = [](Shape a, Shape b) { return [a, b] { tg::matmul(tg::ones(a), tg::ones(b)); }; };
  mm.bad = {{"shapes_do_not_fit", K::Shape, {"matmul", "[2, 3]", "[4, 5]"}, m({2, 3}, {4, 5})},
            {"inner_sizes_differ", K::Shape, {"matmul", "[2, 3]", "[4, 2]"}, m({2, 3}, {4, 2})},
            {"batch_inner_sizes_differ",
             K::Shape,
             {"matmul", "[2, 2, 3]", "[3, 3, 2]"},
             m({2, 2, 3}, {3, 3, 2})},
            {"matrix_by_batch_inner_differs",
             K::Shape,
             {"matmul", "[2, 3]", "[2, 4, 2]"},
             m({2, 3}, {2, 4, 2})},
            {"rank4", K::Shape, {"matmul", "[1, 2, 2, 3]", "[3, 2]"}, m({1, 2, 2, 3}, {3, 2})},
            {"scalar_operand", K::Shape, {"matmul", "[]", "[3]"}, m({}, {3})},
            {"scalar_operand_left", K::Shape, {"matmul", "[]", "[3, 2]"}, m({}, {3, 2})},
            {"vector_does_not_fit", K::Shape, {"matmul", "[4, 2]"}, m({3}, {4, 2})},
            {"batch_dims_do_not_broadcast",
             K::Shape,
             {"matmul", "[2, 3, 4]", "[5, 4, 2]"},
             m({2, 3, 4}, {5, 4, 2})},
            {"mixes_float32_and_float64",
             K::Dtype,
             {"matmul", "float32", "float64"},
             [] {
               tg::matmul(f32({3, 3}), f64({3, 3}));
             }},
            {"mixes_dtypes_names_shapes",
             K::Dtype,
             {"matmul", "float32", "float64", "[2, 3]", "[3, 2]"},
             [] {
               tg::matmul(tg::ones({2, 3}), tg::ones({3, 2}, tg::kFloat64));
             }}};
  mm.bad.push_back(nan_operand(mm.fn, "matmul"));
  t.push_back(std::move(mm));

  // The transpose-flag forms the rules use (kNames in linalg.cpp), through tanh so the
  // second order is not trivial; a batch of a by one b, and one a by a batch of b.
  for (int flags = 0; flags < 4; ++flags) {
    const bool ta = (flags & 2) != 0, tb = (flags & 1) != 0;
    const std::string name = std::string("matmul") + (flags == 0 ? ""
                                                      : ta       ? (tb ? "_tt" : "_tn")
                                                                 : "_nt");
    OpEntry e{.label = name + "_flags",
              .name = name,
              .fn =
                  [ta, tb](const TensorList& in) {
                    return tg::tanh(tg::detail::matmul(in[0], in[1], ta, tb));
                  },
              .samples = {{"batch_a",
                           {{.shape = ta ? Shape{2, 3, 4} : Shape{2, 4, 3}, .seed = 1u + flags},
                            {.shape = tb ? Shape{5, 3} : Shape{3, 5}, .seed = 10u + flags}}},
                          {"batch_b",
                           {{.shape = ta ? Shape{3, 4} : Shape{4, 3}, .seed = 30u + flags},
                            {.shape = tb ? Shape{2, 5, 3} : Shape{2, 3, 5}, .seed = 20u + flags}}}},
              .smooth = flags == 0};
    t.push_back(std::move(e));
  }

  OpEntry lin{
      .label = "linear",
      .name = "linear",
      .fn = [](const TensorList& in) { return tg::tanh(tg::linear(in[0], in[1], in[2])); },
      .samples = {
          {"rows",
           {{.shape = {4, 3}, .seed = 5}, {.shape = {2, 3}, .seed = 6}, {.shape = {2}, .seed = 7}}},
          {"batch",
           {{.shape = {2, 3, 3}, .seed = 8},
            {.shape = {2, 3}, .seed = 9},
            {.shape = {2}, .seed = 10}}},
          {"vector",
           {{.shape = {3}, .seed = 11}, {.shape = {2, 3}, .seed = 12}, {.shape = {2}, .seed = 13}}},
          {"no_bias",
           {{.shape = {3, 4}, .seed = 11}, {.shape = {5, 4}, .seed = 12}},
           [](const TensorList& in) { return tg::linear(in[0], in[1]) * in[0].sum(); }}}};
  lin.bad = {{"weight_does_not_fit",
              K::Shape,
              {"linear", "[4, 3]", "[5, 2]"},
              [] {
                tg::linear(f64({4, 3}), f64({5, 2}));
              }},
             {"bias_does_not_fit",
              K::Shape,
              {"linear", "[4]"},
              [] {
                tg::linear(f64({4, 3}), f64({5, 3}), f64({4}));
              }},
             {"mixes_float64_and_float32",
              K::Dtype,
              {"linear"},
              [] {
                tg::linear(f64({4, 3}), f32({5, 3}));
              }},
             {"mixes_float32_and_float64", K::Dtype, {"linear", "float32", "float64"}, [] {
                tg::linear(f32({2, 3}), f64({4, 3}));
              }}};
  t.push_back(std::move(lin));

  OpEntry outer{.label = "outer",
                .name = "outer",
                .fn = [](const TensorList& in) { return tg::outer(in[0], in[1]); },
                .samples = {{"vectors", {{.shape = {3}, .seed = 7}, {.shape = {4}, .seed = 8}}}}};
  outer.bad = {{"of_matrices",
                K::Shape,
                {"outer", "[2, 2]", "[3]"},
                [] {
                  tg::outer(f32({2, 2}), f32({3}));
                }},
               {"mixed_dtypes",
                K::Dtype,
                {"outer", "float32", "float64"},
                [] { tg::outer(f32({2}), f64({3})); }},
               {"mixed_dtypes_2", K::Dtype, {"float32", "float64"}, [] {
                  tg::outer(tg::ones({3}), tg::ones({2}, tg::kFloat64));
                }}};
  t.push_back(std::move(outer));
  OpEntry dot{.label = "dot",
              .name = "dot",
              .fn = [](const TensorList& in) { return tg::dot(in[0], in[1]); },
              .samples = {{"vectors", {{.shape = {5}, .seed = 9}, {.shape = {5}, .seed = 10}}}}};
  dot.bad = {
      {"unequal_lengths", K::Shape, {"dot", "[3]", "[4]"}, [] { tg::dot(f32({3}), f32({4})); }},
      {"matrix_operand",
       K::Shape,
       {"dot", "[3, 1]", "[3]"},
       [] {
         tg::dot(tg::ones({3, 1}), tg::ones({3}));
       }},
      {"mixed_dtypes", K::Dtype, {"dot", "float32", "float64"}, [] {
         tg::dot(f32({3}), f64({3}));
       }}};
  t.push_back(std::move(dot));
}

}  // namespace tgtest::entries
