// Shape ops (autograd/src/ops/shape_ops.cpp). Forward values use an input whose value is
// its own flat index (iota), so the expected output of any data movement is simply the
// list of source positions, computed here with plain index arithmetic. Gradchecks and bad
// input are in the op table (tests/common/op_table.cpp), one sample per case here.
#include <gtest/gtest.h>

#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::grad_ok;
using tgtest::rleaf;
using tgtest::shape_is;
using tgtest::throws;
using tgtest::values_near;

using Coords = std::vector<int64_t>;

Coords unravel(int64_t flat, const tg::Shape& s) {
  Coords c(static_cast<size_t>(s.rank()));
  for (int d = s.rank() - 1; d >= 0; --d) {
    c[static_cast<size_t>(d)] = flat % s[d];
    flat /= s[d];
  }
  return c;
}

int64_t ravel(const Coords& c, const tg::Shape& s) {
  int64_t flat = 0;
  for (int d = 0; d < s.rank(); ++d) flat = flat * s[d] + c[static_cast<size_t>(d)];
  return flat;
}

/// A tensor of `shape` whose values are 0, 1, 2, ... (its flat indices).
tg::Tensor iota(const tg::Shape& shape, tg::Dtype dtype = tg::kFloat64) {
  return tg::arange(shape.numel(), dtype).reshape(shape);
}

/// Expected values of an op on iota(in): the source flat index of each output element.
std::vector<double> gathered(const tg::Shape& out, const tg::Shape& in,
                             const std::function<Coords(const Coords&)>& source_of) {
  std::vector<double> v;
  for (int64_t i = 0; i < out.numel(); ++i)
    v.push_back(static_cast<double>(ravel(source_of(unravel(i, out)), in)));
  return v;
}

/// Runs `op` on iota(in) in both dtypes and checks shape and values.
void expect_movement(const std::function<tg::Tensor(const tg::Tensor&)>& op, const tg::Shape& in,
                     const tg::Shape& out, const std::function<Coords(const Coords&)>& source_of) {
  const auto expected = gathered(out, in, source_of);
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor y = op(iota(in, d));
    EXPECT_EQ(y.dtype(), d);
    EXPECT_TRUE(shape_is(y, out));
    EXPECT_TRUE(values_near(y, expected));
  }
}

// ---- the table: every op with one or more configurations ---------------------------------

struct MoveCase {
  std::string name;
  std::function<tg::Tensor(const tg::Tensor&)> op;
  tg::Shape in, out;
  std::function<Coords(const Coords&)> source_of;
};

Coords identity(const Coords& c) { return c; }

std::vector<MoveCase> move_cases() {
  using T = tg::Tensor;
  // Same row-major order: the source of output element i is input element i.
  auto same_order = [](tg::Shape in, tg::Shape out) {
    return [in, out](const Coords& c) { return unravel(ravel(c, out), in); };
  };
  return {
      {"reshape",
       [](const T& x) {
         return tg::reshape(x, {4, 6});
       },
       {2, 3, 4},
       {4, 6},
       same_order({2, 3, 4}, {4, 6})},
      {"reshape_infer",
       [](const T& x) {
         return tg::reshape(x, {-1, 2});
       },
       {2, 3, 4},
       {12, 2},
       same_order({2, 3, 4}, {12, 2})},
      {"view_method",
       [](const T& x) {
         return x.view({3, -1});
       },
       {2, 3, 4},
       {3, 8},
       same_order({2, 3, 4}, {3, 8})},
      {"reshape_rank0",
       [](const T& x) { return tg::reshape(x, {}); },
       {1, 1},
       {},
       [](const Coords&) {
         return Coords{0, 0};
       }},
      {"flatten_all",
       [](const T& x) { return tg::flatten(x); },
       {2, 3, 4},
       {24},
       same_order({2, 3, 4}, {24})},
      {"flatten_tail",
       [](const T& x) { return x.flatten(1); },
       {2, 3, 4},
       {2, 12},
       same_order({2, 3, 4}, {2, 12})},
      {"flatten_head",
       [](const T& x) { return tg::flatten(x, 0, -2); },
       {2, 3, 4},
       {6, 4},
       same_order({2, 3, 4}, {6, 4})},
      {"squeeze",
       [](const T& x) { return tg::squeeze(x, 1); },
       {2, 1, 3},
       {2, 3},
       same_order({2, 1, 3}, {2, 3})},
      {"squeeze_neg",
       [](const T& x) { return x.squeeze(-1); },
       {2, 3, 1},
       {2, 3},
       same_order({2, 3, 1}, {2, 3})},
      {"unsqueeze_front",
       [](const T& x) { return tg::unsqueeze(x, 0); },
       {2, 3},
       {1, 2, 3},
       same_order({2, 3}, {1, 2, 3})},
      {"unsqueeze_back",
       [](const T& x) { return x.unsqueeze(-1); },
       {2, 3},
       {2, 3, 1},
       same_order({2, 3}, {2, 3, 1})},
      {"unsqueeze_mid",
       [](const T& x) { return tg::unsqueeze(x, 1); },
       {2, 3},
       {2, 1, 3},
       same_order({2, 3}, {2, 1, 3})},
      {"expand",
       [](const T& x) {
         return tg::expand(x, {2, 3, 4});
       },
       {3, 1},
       {2, 3, 4},
       [](const Coords& c) {
         return Coords{c[1], 0};
       }},
      {"expand_keep",
       [](const T& x) {
         return x.expand({-1, 4});
       },
       {3, 1},
       {3, 4},
       [](const Coords& c) {
         return Coords{c[0], 0};
       }},
      {"broadcast_to",
       [](const T& x) {
         return tg::broadcast_to(x, {2, 2, 3});
       },
       {1, 3},
       {2, 2, 3},
       [](const Coords& c) {
         return Coords{0, c[2]};
       }},
      {"transpose",
       [](const T& x) { return tg::transpose(x, 0, 2); },
       {2, 3, 4},
       {4, 3, 2},
       [](const Coords& c) {
         return Coords{c[2], c[1], c[0]};
       }},
      {"transpose_neg",
       [](const T& x) { return x.transpose(-1, -2); },
       {2, 3, 4},
       {2, 4, 3},
       [](const Coords& c) {
         return Coords{c[0], c[2], c[1]};
       }},
      {"t_method",
       [](const T& x) { return x.t(); },
       {3, 5},
       {5, 3},
       [](const Coords& c) {
         return Coords{c[1], c[0]};
       }},
      {"permute",
       [](const T& x) {
         return tg::permute(x, {1, 2, 0});
       },
       {2, 3, 4},
       {3, 4, 2},
       [](const Coords& c) {
         return Coords{c[2], c[0], c[1]};
       }},
      {"permute_neg",
       [](const T& x) {
         return x.permute({-1, 0, -2});
       },
       {2, 3, 4},
       {4, 2, 3},
       [](const Coords& c) {
         return Coords{c[1], c[2], c[0]};
       }},
      {"slice_axis0_step2",
       [](const T& x) { return tg::slice(x, 0, 1, 4, 2); },
       {5, 3},
       {2, 3},
       [](const Coords& c) {
         return Coords{1 + 2 * c[0], c[1]};
       }},
      {"slice_axis1_neg_start_clamped_stop",
       [](const T& x) { return tg::slice(x, 1, -4, 100, 3); },
       {2, 5, 3},
       {2, 2, 3},
       [](const Coords& c) {
         return Coords{c[0], 1 + 3 * c[1], c[2]};
       }},
      {"slice_last_axis_step4",
       [](const T& x) { return tg::slice(x, -1, 0, 6, 4); },
       {2, 6},
       {2, 2},
       [](const Coords& c) {
         return Coords{c[0], 4 * c[1]};
       }},
      {"slice_neg_stop",
       [](const T& x) { return tg::slice(x, 0, 0, -1); },
       {4, 2},
       {3, 2},
       identity},
      {"slice_empty", [](const T& x) { return tg::slice(x, 1, 3, 1); }, {2, 4}, {2, 0}, identity},
      {"index_select_rows",
       [](const T& x) {
         return tg::index_select(x, 0, {2, 0, 2});
       },
       {3, 4},
       {3, 4},
       [](const Coords& c) {
         return Coords{std::vector<int64_t>{2, 0, 2}[static_cast<size_t>(c[0])], c[1]};
       }},
      {"index_select_cols",
       [](const T& x) {
         return tg::index_select(x, -1, {3, 1});
       },
       {2, 3, 4},
       {2, 3, 2},
       [](const Coords& c) {
         return Coords{c[0], c[1], c[2] == 0 ? 3 : 1};
       }},
      {"gather_axis1",
       [](const T& x) {
         return tg::gather(x, 1, {{3, 0, 0, 1, 2, 2}, {2, 3}});
       },
       {2, 4},
       {2, 3},
       [](const Coords& c) {
         const int64_t idx[2][3] = {{3, 0, 0}, {1, 2, 2}};
         return Coords{c[0], idx[c[0]][c[1]]};
       }},
      {"gather_axis0_smaller_index",
       [](const T& x) {
         return tg::gather(x, 0, {{2, 0, 1, 1}, {2, 2}});
       },
       {3, 4},
       {2, 2},
       [](const Coords& c) {
         const int64_t idx[2][2] = {{2, 0}, {1, 1}};
         return Coords{idx[c[0]][c[1]], c[1]};
       }},
      {"repeat",
       [](const T& x) {
         return tg::repeat(x, {2, 3});
       },
       {2, 3},
       {4, 9},
       [](const Coords& c) {
         return Coords{c[0] % 2, c[1] % 3};
       }},
      {"repeat_new_axis",
       [](const T& x) {
         return tg::repeat(x, {2, 1, 2});
       },
       {2, 3},
       {2, 2, 6},
       [](const Coords& c) {
         return Coords{c[1], c[2] % 3};
       }},
      {"tile_short_reps",
       [](const T& x) { return tg::tile(x, {2}); },
       {2, 3},
       {2, 6},
       [](const Coords& c) {
         return Coords{c[0], c[1] % 3};
       }},
      {"pad_last_axis_only",
       [](const T& x) {
         return tg::pad(x, {{0, 0}, {1, 2}});
       },
       {2, 2},
       {2, 5},
       identity /* checked separately: the border is not a source */},
  };
}

class Movement : public ::testing::TestWithParam<MoveCase> {};

TEST_P(Movement, ForwardValuesBothDtypes) {
  const MoveCase& c = GetParam();
  if (c.name.rfind("pad", 0) == 0) {  // pad's border holds the pad value, not a source
    tg::Tensor y = c.op(iota(c.in));
    EXPECT_TRUE(shape_is(y, c.out));
    EXPECT_TRUE(values_near(y, {0, 0, 1, 0, 0, 0, 2, 3, 0, 0}));
    return;
  }
  expect_movement(c.op, c.in, c.out, c.source_of);
}

INSTANTIATE_TEST_SUITE_P(ShapeOps, Movement, ::testing::ValuesIn(move_cases()),
                         [](const auto& info) { return info.param.name; });

// ---- views share storage ---------------------------------------------------------------

TEST(ShapeOpsRank0, SqueezeUnsqueezeFlattenOfAScalar) {
  tg::Tensor s = tg::scalar_tensor(3.0, tg::kFloat64);
  EXPECT_TRUE(shape_is(tg::squeeze(s, 0), {}));
  EXPECT_TRUE(shape_is(tg::squeeze(s, -1), {}));
  EXPECT_TRUE(values_near(tg::squeeze(s, -1), {3}));
  EXPECT_TRUE(shape_is(tg::unsqueeze(s, 0), {1}));
  EXPECT_TRUE(shape_is(tg::unsqueeze(s, -1), {1}));
  EXPECT_TRUE(shape_is(tg::flatten(s), {1}));
  EXPECT_TRUE(throws<tg::ValueError>([&] { tg::squeeze(s, 1); }, {"squeeze", "axis 1", "rank 0"}));
  auto f = [](const tg::TensorList& in) { return tg::unsqueeze(tg::squeeze(in[0] * in[0], 0), 0); };
  EXPECT_TRUE(grad_ok(f, {tgtest::leaf({1.5}, {})}));
}

TEST(ShapeOpsReshape, SharesStorageAndGradientHasInputShape) {
  tg::Tensor x = rleaf({2, 3}, 1);
  tg::Tensor y = tg::reshape(x, {3, 2});
  EXPECT_EQ(y.data<double>(), x.data<double>());
  tg::Tensor g = tg::grad({(y * y).sum()}, {x})[0];
  EXPECT_TRUE(shape_is(g, {2, 3}));
  std::vector<double> twice;
  for (double v : x.to_vector<double>()) twice.push_back(2 * v);
  EXPECT_TRUE(values_near(g, twice));
}

// ---- gradients of the scatter-style adjoints -------------------------------------------

TEST(ShapeOpsAdjoints, RepeatedIndicesAccumulate) {
  tg::Tensor x = tgtest::leaf({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_TRUE(
      values_near(tg::grad({tg::index_select(x, 0, {2, 0, 2}).sum()}, {x})[0], {1, 1, 0, 0, 2, 2}));
  EXPECT_TRUE(values_near(tg::grad({tg::gather(x, 1, {{1, 1, 0, 0, 1, 1}, {3, 2}}).sum()}, {x})[0],
                          {0, 2, 2, 0, 0, 2}));
  EXPECT_TRUE(values_near(tg::grad({tg::repeat(x, {2, 3}).sum()}, {x})[0], {6, 6, 6, 6, 6, 6}));
  EXPECT_TRUE(values_near(tg::grad({tg::expand(x.reshape({3, 1, 2}), {3, 4, 2}).sum()}, {x})[0],
                          {4, 4, 4, 4, 4, 4}));
  EXPECT_TRUE(values_near(tg::grad({tg::slice(x, 0, 0, 3, 2).sum()}, {x})[0], {1, 1, 0, 0, 1, 1}));
}

// ---- cat / stack ---------------------------------------------------------------------

struct JoinCase {
  std::string name;
  bool is_stack;
  int64_t axis;
  std::vector<tg::Shape> shapes;
  tg::Shape out;
};

class Join : public ::testing::TestWithParam<JoinCase> {
 protected:
  tg::Tensor apply(const std::vector<tg::Tensor>& xs) const {
    return GetParam().is_stack ? tg::stack(xs, GetParam().axis) : tg::cat(xs, GetParam().axis);
  }
};

TEST_P(Join, ForwardValues) {
  const JoinCase& c = GetParam();
  // Inputs hold disjoint value ranges: input k's values start at 100·k.
  std::vector<tg::Tensor> xs;
  for (size_t k = 0; k < c.shapes.size(); ++k)
    xs.push_back(iota(c.shapes[k]) + 100.0 * static_cast<double>(k));
  tg::Tensor y = apply(xs);
  ASSERT_TRUE(shape_is(y, c.out));
  const int a = static_cast<int>(c.axis < 0 ? c.axis + c.out.rank() : c.axis);
  std::vector<double> expected;
  for (int64_t i = 0; i < c.out.numel(); ++i) {
    Coords oc = unravel(i, c.out);
    size_t k = 0;
    if (c.is_stack) {
      k = static_cast<size_t>(oc[static_cast<size_t>(a)]);
      oc.erase(oc.begin() + a);
    } else {
      while (oc[static_cast<size_t>(a)] >= c.shapes[k][a])
        oc[static_cast<size_t>(a)] -= c.shapes[k++][a];
    }
    expected.push_back(100.0 * static_cast<double>(k) +
                       static_cast<double>(ravel(oc, c.shapes[k])));
  }
  EXPECT_TRUE(values_near(y, expected));
  std::vector<tg::Tensor> xs32;
  for (const auto& x : xs) xs32.push_back(x.to(tg::kFloat32));
  EXPECT_EQ(apply(xs32).dtype(), tg::kFloat32);
  EXPECT_TRUE(values_near(apply(xs32), expected));
}

INSTANTIATE_TEST_SUITE_P(
    ShapeOps, Join,
    ::testing::Values(JoinCase{"cat_axis0", false, 0, {{1, 3}, {2, 3}, {3, 3}}, {6, 3}},
                      JoinCase{"cat_axis1", false, 1, {{2, 1}, {2, 3}}, {2, 4}},
                      JoinCase{"cat_neg_axis", false, -1, {{2, 2, 1}, {2, 2, 2}}, {2, 2, 3}},
                      JoinCase{"cat_single", false, 0, {{2, 2}}, {2, 2}},
                      JoinCase{"stack_axis0", true, 0, {{2, 3}, {2, 3}, {2, 3}}, {3, 2, 3}},
                      JoinCase{"stack_axis1", true, 1, {{2, 3}, {2, 3}}, {2, 2, 3}},
                      JoinCase{"stack_neg_axis", true, -1, {{2, 3}, {2, 3}}, {2, 3, 2}}),
    [](const auto& info) { return info.param.name; });

// ---- split / chunk -------------------------------------------------------------------

TEST(ShapeOpsSplit, Pieces) {
  tg::Tensor x = iota({7, 2});
  auto pieces = tg::split(x, 3, 0);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_TRUE(shape_is(pieces[0], {3, 2}));
  EXPECT_TRUE(shape_is(pieces[2], {1, 2}));
  EXPECT_TRUE(values_near(pieces[1], {6, 7, 8, 9, 10, 11}));
  EXPECT_TRUE(values_near(pieces[2], {12, 13}));
  auto cols = tg::split(x, 1, -1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_TRUE(values_near(cols[1], {1, 3, 5, 7, 9, 11, 13}));
  // chunk(7, 3) gives ceil(7/3) = 3 rows per piece: 3, 3, 1 (PyTorch's rule).
  auto chunks = tg::chunk(x, 3, 0);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_TRUE(shape_is(chunks[1], {3, 2}));
  EXPECT_TRUE(shape_is(chunks[2], {1, 2}));
  EXPECT_EQ(tg::chunk(x, 2, 1).size(), 2u);
  EXPECT_EQ(tg::chunk(iota({2}), 5).size(), 2u);  // never more pieces than rows
}

// ---- pad -----------------------------------------------------------------------------

// torch's flat, last-axis-first F.pad(x, (1, 2)) written as tg::pad(x, {1, 2}) must not
// compile: tg::pad takes one {before, after} pair per axis.
template <class T>
constexpr bool flat_pad_compiles = requires(const T& x) {
  tg::pad(x, {1, 2});
};
static_assert(!flat_pad_compiles<tg::Tensor>);

TEST(ShapeOpsPad, WrongPairCountSaysOnePairPerAxisFirstAxisFirst) {
  const std::string msg = tgtest::error_message<tg::ValueError>([] {
    tg::pad(tg::zeros({2, 3}), {{1, 2}});
  });
  EXPECT_EQ(msg,
            "pad: expected 2 (before, after) pairs for shape [2, 3], one per axis, first axis "
            "first (torch's F.pad lists the last axis first), got 1");
  // With one pair per axis, padding only the last axis is spelled out.
  EXPECT_TRUE(shape_is(tg::pad(tg::zeros({2, 3}), {{0, 0}, {1, 2}}), {2, 6}));
}

TEST(ShapeOpsPad, ValuesWithAConstantAndGradients) {
  tg::Tensor x = iota({2, 2}) + 1.0;
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor y = tg::pad(x.to(d), {{1, 0}, {0, 1}}, 2.5);
    EXPECT_EQ(y.dtype(), d);
    EXPECT_TRUE(shape_is(y, {3, 3}));
    EXPECT_TRUE(values_near(y, {2.5, 2.5, 2.5, 1, 2, 2.5, 3, 4, 2.5}));
  }
  EXPECT_TRUE(values_near(tg::pad(x, {{0, 0}, {0, 0}}), {1, 2, 3, 4}));
  tg::Tensor xl = rleaf({2, 3}, 42);
  EXPECT_TRUE(values_near(tg::grad({tg::pad(xl, {{1, 1}, {1, 1}}, 7.0).sum()}, {xl})[0],
                          {1, 1, 1, 1, 1, 1}));
}

}  // namespace
