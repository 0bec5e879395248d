// int64 tensors (Note [Int64 tensors] in autograd/include/tapegrad/autograd/dtype.hpp):
// indices as data for gather, index_select, randint, argmax/argmin and max_with_indices;
// every float op refuses them by name.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::throws;
using I = std::vector<int64_t>;

tg::Tensor ints(const I& values, const tg::Shape& shape) { return tg::from_vector(values, shape); }

// ---- making, reading, converting -----------------------------------------------------

TEST(Int64, FactoriesReadersAndPrinting) {
  const int64_t big = (int64_t{1} << 53) + 1;  // not a double: must stay exact
  const tg::Tensor t = ints({big, -3, 0, 7}, {2, 2});
  EXPECT_EQ(t.dtype(), tg::kInt64);
  EXPECT_EQ(tg::name(t.dtype()), "int64");
  EXPECT_EQ(t.nbytes(), 32u);
  EXPECT_FALSE(tg::is_floating_point(t.dtype()));
  EXPECT_EQ(t.to_vector<int64_t>(), (I{big, -3, 0, 7}));
  EXPECT_EQ(t.data<int64_t>()[0], big);
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{static_cast<double>(big), -3, 0, 7}));
  EXPECT_EQ(tg::from_vector(I{big}, {}).item<int64_t>(), big);
  EXPECT_EQ(t.str(), "tensor([[9007199254740993, -3], [0, 7]], shape=[2, 2], int64)");
  EXPECT_THROW(t.data<float>(), tg::DtypeError);

  EXPECT_EQ(tg::zeros({3}, tg::kInt64).to_vector<int64_t>(), (I{0, 0, 0}));
  EXPECT_EQ(tg::ones({2}, tg::kInt64).to_vector<int64_t>(), (I{1, 1}));
  EXPECT_EQ(tg::full({2}, -4.9, tg::kInt64).to_vector<int64_t>(), (I{-4, -4}));  // truncated
  EXPECT_EQ(tg::full_like(t, 5).dtype(), tg::kInt64);
  EXPECT_EQ(tg::scalar_tensor(3, tg::kInt64).item<int64_t>(), 3);
  EXPECT_EQ(tg::empty({2}, tg::kInt64).dtype(), tg::kInt64);
  // Int values into a float tensor and float values into an int64 one.
  EXPECT_EQ(tg::from_vector(I{1, 2}, {2}, tg::kFloat32).to_vector<float>(),
            (std::vector<float>{1, 2}));
  EXPECT_EQ(tg::from_vector(std::vector<double>{2.9, -2.9}, {2}, tg::kInt64).to_vector<int64_t>(),
            (I{2, -2}));

  // Aliases, copies and in-place writes.
  EXPECT_EQ(t.reshape({4}).to_vector<int64_t>(), t.to_vector<int64_t>());
  EXPECT_EQ(t.flatten().unsqueeze(0).squeeze(0).shape(), tg::Shape({4}));
  EXPECT_EQ(t.detach().dtype(), tg::kInt64);
  tg::Tensor c = t.clone();
  EXPECT_EQ(c.to_vector<int64_t>(), t.to_vector<int64_t>());
  c.fill_(2);
  EXPECT_EQ(c.to_vector<int64_t>(), (I{2, 2, 2, 2}));
  c.copy_(t);
  EXPECT_EQ(c.to_vector<int64_t>(), t.to_vector<int64_t>());
}

TEST(Int64, ToTruncatesTowardZeroAndRefusesWhatDoesNotFit) {
  const tg::Tensor x = tg::from_vector(std::vector<double>{-2.7, 2.7, 0.5, -0.5, 1e15}, {5});
  EXPECT_EQ(x.to(tg::kInt64).to_vector<int64_t>(), (I{-2, 2, 0, 0, 1000000000000000}));
  EXPECT_EQ(x.to(tg::kFloat32).to(tg::kInt64).dtype(), tg::kInt64);
  EXPECT_EQ(ints({-5, 3}, {2}).to(tg::kFloat64).to_vector<double>(), (std::vector<double>{-5, 3}));
  EXPECT_EQ(ints({1}, {1}).to(tg::kInt64).dtype(), tg::kInt64);
  // A float that requires grad converts, but the indices carry no graph.
  const tg::Tensor leaf = tgtest::leaf({1.5, 2.5}, {2});
  EXPECT_FALSE(leaf.to(tg::kInt64).requires_grad());
  EXPECT_FALSE(leaf.to(tg::kInt64).grad_fn());

  const double inf = std::numeric_limits<double>::infinity();
  for (double bad : {std::nan(""), inf, -inf, 1e19, -1e19}) {
    const tg::Tensor y = tg::from_vector(std::vector<double>{1, bad}, {2});
    EXPECT_TRUE(throws<tg::ValueError>(
        [&] { y.to(tg::kInt64); },
        {"to: value", "at flat index 1", "float64", "[2]", "cannot be converted to int64"}))
        << bad;
    EXPECT_TRUE(throws<tg::ValueError>([&] { y.to_vector<int64_t>(); }, {"to_vector"})) << bad;
    EXPECT_TRUE(throws<tg::ValueError>([&] { tg::full({1}, bad, tg::kInt64); },
                                       {"full", "cannot be converted to int64"}))
        << bad;
    EXPECT_TRUE(throws<tg::ValueError>(
        [&] { tg::from_vector(std::vector<double>{bad}, {1}, tg::kInt64); }, {"from_vector"}))
        << bad;
    EXPECT_TRUE(throws<tg::ValueError>([&] { tg::zeros({1}, tg::kInt64).fill_(bad); }, {"fill_"}))
        << bad;
  }
}

TEST(Int64, NeverRequiresGrad) {
  tg::Tensor t = ints({1, 2, 3}, {3});
  EXPECT_TRUE(throws<tg::DtypeError>(
      [&] { t.requires_grad_(); },
      {"requires_grad_", "int64", "[3]", "cannot require grad", "float32 and float64"}));
  EXPECT_FALSE(t.requires_grad());
  t.requires_grad_(false);  // turning it off is no mistake
  tg::Tensor leaf = tgtest::leaf({1, 2, 3}, {3});
  EXPECT_TRUE(
      throws<tg::DtypeError>([&] { leaf.set_data(t); }, {"set_data", "requires grad", "int64"}));
  EXPECT_EQ(leaf.dtype(), tg::kFloat64);
}

// ---- float ops refuse int64, by name --------------------------------------------------

TEST(Int64, EveryFloatOpRefusesAnInt64TensorNamingItself) {
  const tg::Tensor i = ints({0, 1, 2, 1, 0, 2}, {2, 3});
  const tg::Tensor f = tg::zeros({2, 3});
  const tg::Tensor idx = ints({1, 0}, {2});
  tg::Generator gen(0);
  using Call = std::function<void()>;
  const std::vector<std::pair<std::string, Call>> calls = {
      {"neg", [&] { tg::neg(i); }},
      {"exp", [&] { tg::exp(i); }},
      {"log", [&] { tg::log(i); }},
      {"log1p", [&] { tg::log1p(i); }},
      {"expm1", [&] { tg::expm1(i); }},
      {"sqrt", [&] { tg::sqrt(i); }},
      {"rsqrt", [&] { tg::rsqrt(i); }},
      {"abs", [&] { tg::abs(i); }},
      {"sign", [&] { tg::sign(i); }},
      {"square", [&] { tg::square(i); }},
      {"sin", [&] { tg::sin(i); }},
      {"cos", [&] { tg::cos(i); }},
      {"tanh", [&] { tg::tanh(i); }},
      {"sigmoid", [&] { tg::sigmoid(i); }},
      {"log_sigmoid", [&] { tg::log_sigmoid(i); }},
      {"softplus", [&] { tg::softplus(i); }},
      {"relu", [&] { tg::relu(i); }},
      {"leaky_relu", [&] { tg::leaky_relu(i); }},
      {"elu", [&] { tg::elu(i); }},
      {"silu", [&] { tg::silu(i); }},
      {"gelu", [&] { tg::gelu(i); }},
      {"gelu_tanh", [&] { tg::gelu(i, tg::GeluApproximate::Tanh); }},
      {"normal_cdf", [&] { tg::normal_cdf(i); }},
      {"clamp", [&] { tg::clamp(i, 0, 1); }},
      {"pow", [&] { tg::pow(i, 2.0); }},
      {"add_scalar", [&] { i + 1.0; }},
      {"mul_scalar", [&] { i * 2.0; }},
      {"add", [&] { tg::add(i, f); }},
      {"sub", [&] { tg::sub(f, i); }},
      {"mul", [&] { tg::mul(i, i); }},
      {"div", [&] { tg::div(f, i); }},
      {"minimum", [&] { tg::minimum(i, f); }},
      {"maximum", [&] { tg::maximum(i, f); }},
      {"eq", [&] { tg::eq(i, f); }},
      {"ne", [&] { tg::ne(i, 1.0); }},
      {"lt", [&] { tg::lt(1.0, i); }},
      {"le", [&] { i <= f; }},
      {"gt", [&] { i > 0.0; }},
      {"ge", [&] { tg::ge(f, i); }},
      {"where", [&] { tg::where(f, i, f); }},
      {"sum", [&] { tg::sum(i); }},
      {"mean", [&] { tg::mean(i, {1}); }},
      {"var", [&] { tg::var(i); }},
      {"std", [&] { tg::std(i); }},
      {"max", [&] { tg::max(i); }},
      {"min", [&] { i.min({0}); }},
      {"logsumexp", [&] { tg::logsumexp(i); }},
      {"norm", [&] { tg::norm(i); }},
      {"softmax", [&] { tg::softmax(i); }},
      {"log_softmax", [&] { tg::log_softmax(i); }},
      {"argmax", [&] { tg::argmax(i); }},
      {"argmin", [&] { tg::argmin(i, 1); }},
      {"max_with_indices", [&] { tg::max_with_indices(i, 0); }},
      {"min_with_indices", [&] { tg::min_with_indices(i, 1); }},
      {"expand",
       [&] {
         tg::expand(i, {4, 2, 3});
       }},
      {"permute",
       [&] {
         tg::permute(i, {1, 0});
       }},
      {"transpose", [&] { i.t(); }},
      {"slice", [&] { tg::slice(i, 1, 0, 2); }},
      {"cat",
       [&] {
         tg::cat({i, i});
       }},
      {"stack",
       [&] {
         tg::stack({i, i});
       }},
      {"split", [&] { tg::split(i, 1); }},
      {"chunk", [&] { tg::chunk(i, 2); }},
      {"index_select", [&] { tg::index_select(i, 0, idx); }},
      {"gather",
       [&] {
         tg::gather(i, 1, ints({0, 0}, {2, 1}));
       }},
      {"repeat",
       [&] {
         tg::repeat(i, {2, 1});
       }},
      {"tile", [&] { tg::tile(i, {2}); }},
      {"pad",
       [&] {
         tg::pad(i, {{0, 0}, {1, 1}});
       }},
      {"matmul",
       [&] {
         tg::matmul(i, tg::zeros({3, 2}));
       }},
      {"linear", [&] { tg::linear(f, i); }},
      {"outer", [&] { tg::outer(idx, idx); }},
      {"dot", [&] { tg::dot(idx, idx); }},
      {"mse_loss", [&] { tg::mse_loss(i, f); }},
      {"binary_cross_entropy_with_logits", [&] { tg::binary_cross_entropy_with_logits(f, i); }},
      {"arange", [&] { tg::arange(4, tg::kInt64); }},
      {"linspace", [&] { tg::linspace(0, 1, 3, tg::kInt64); }},
      {"eye", [&] { tg::eye(2, tg::kInt64); }},
      {"rand", [&] { tg::rand({2}, gen, tg::kInt64); }},
      {"randn", [&] { tg::randn({2}, gen, tg::kInt64); }},
      {"bernoulli", [&] { tg::bernoulli({2}, 0.5, gen, tg::kInt64); }},
      {"bernoulli",
       [&] {
         tg::bernoulli(ints({0, 1}, {2}), gen);
       }},
  };
  for (const auto& [op, call] : calls)
    EXPECT_TRUE(throws<tg::DtypeError>(
        call, {op + ": expected float32 or float64, got int64", ".to(tg::kFloat32)"}))
        << op;
  EXPECT_EQ(gen.offset(), 0u);  // the refused draws reserved no counters
}

// ---- indices as data --------------------------------------------------------------------

TEST(Int64, RandintDrawsTheSameIntegersInEveryDtype) {
  tg::Generator a(3), b(3);
  const tg::Tensor i = tg::randint(-5, 5, {400}, a, tg::kInt64);
  const tg::Tensor f = tg::randint(-5, 5, {400}, b, tg::kFloat64);
  EXPECT_EQ(i.dtype(), tg::kInt64);
  EXPECT_EQ(i.to_vector<double>(), f.to_vector<double>());
  EXPECT_EQ(a.offset(), b.offset());
  for (int64_t v : i.to_vector<int64_t>()) {
    EXPECT_GE(v, -5);
    EXPECT_LT(v, 5);
  }
  // Beyond 2^53 the values are exact integers (a double would round them).
  tg::Generator g(4);
  const int64_t low = int64_t{1} << 60;
  for (int64_t v : tg::randint(low, low + 3, {50}, g, tg::kInt64).to_vector<int64_t>()) {
    EXPECT_GE(v, low);
    EXPECT_LT(v, low + 3);
  }
}

TEST(Int64, IndexSelectAndGatherWithAnIndexTensorEqualTheVectorForms) {
  const tg::Tensor x = tgtest::rleaf({3, 4}, 7);
  const I rows = {2, 0, 2};
  const tg::Tensor by_vector = tg::index_select(x, 0, rows);
  const tg::Tensor by_tensor = tg::index_select(x, 0, ints(rows, {3}));
  EXPECT_EQ(by_tensor.to_vector<double>(), by_vector.to_vector<double>());
  EXPECT_EQ(tg::grad({tg::sum(by_tensor * by_tensor)}, {x})[0].to_vector<double>(),
            tg::grad({tg::sum(by_vector * by_vector)}, {x})[0].to_vector<double>());
  // A rank-0 index keeps the axis, with one entry, as the one-element vector does.
  EXPECT_EQ(tg::index_select(x, 1, tg::scalar_tensor(3, tg::kInt64)).to_vector<double>(),
            tg::index_select(x, 1, {3}).to_vector<double>());

  const tg::Index columns{{3, 0, 0, 1, 2, 2}, {3, 2}};
  const tg::Tensor g_vector = tg::gather(x, 1, columns);
  const tg::Tensor g_tensor = tg::gather(x, 1, ints(columns.values, columns.shape));
  EXPECT_EQ(g_tensor.shape(), tg::Shape({3, 2}));
  EXPECT_EQ(g_tensor.to_vector<double>(), g_vector.to_vector<double>());
  EXPECT_EQ(tg::grad({tg::sum(g_tensor * 3.0)}, {x})[0].to_vector<double>(),
            tg::grad({tg::sum(g_vector * 3.0)}, {x})[0].to_vector<double>());
  EXPECT_TRUE(tgtest::grad_ok(
      [&](const tg::TensorList& in) {
        return tg::gather(in[0], 1, ints({1, 3}, {2, 1}));
      },
      {tgtest::rleaf({2, 4}, 8)}));

  // The index must be int64, of the right rank, and in range (as the vector form's).
  EXPECT_TRUE(
      throws<tg::DtypeError>([&] { tg::index_select(x, 0, tg::zeros({2})); },
                             {"index_select", "index must be an int64 tensor", "float32", "[2]"}));
  EXPECT_TRUE(throws<tg::DtypeError>(
      [&] {
        tg::gather(x, 0, tg::zeros({1, 4}, tg::kFloat64));
      },
      {"gather", "index must be an int64 tensor", "float64"}));
  EXPECT_TRUE(throws<tg::ShapeError>(
      [&] {
        tg::index_select(x, 0, ints({0, 1}, {1, 2}));
      },
      {"index_select", "rank 0 or 1", "[1, 2]"}));
  EXPECT_TRUE(throws<tg::ValueError>([&] { tg::index_select(x, 0, ints({3}, {1})); },
                                     {"index_select", "index 3 is out of range"}));
  EXPECT_TRUE(throws<tg::ValueError>(
      [&] {
        tg::gather(x, 1, ints({-1}, {1, 1}));
      },
      {"gather", "index -1 is out of range"}));
}

TEST(Int64, RandomIndicesPickRows) {
  // A minibatch by indices drawn as data: randint's int64 draw straight into index_select.
  tg::Generator gen(11);
  const tg::Tensor x = tg::arange(10, tg::kFloat64).reshape({5, 2});
  const tg::Tensor picks = tg::randint(0, 5, {6}, gen, tg::kInt64);
  const tg::Tensor batch = tg::index_select(x, 0, picks);
  const I p = picks.to_vector<int64_t>();
  const std::vector<double> b = batch.to_vector<double>();
  for (size_t k = 0; k < p.size(); ++k) {
    EXPECT_EQ(b[2 * k], static_cast<double>(2 * p[k]));
    EXPECT_EQ(b[2 * k + 1], static_cast<double>(2 * p[k] + 1));
  }
}

// ---- argmax, argmin, max_with_indices -------------------------------------------------

TEST(Int64, ArgmaxAndArgminGiveTheFirstIndexOnTies) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    // Rows with ties: the first of the tied positions wins, as in torch.argmax.
    const tg::Tensor x =
        tg::from_vector(std::vector<double>{1, 5, 5, 0, 2, 2, -1, 2, 7, 7, 7, 7}, {3, 4}, d);
    const tg::Tensor rows = tg::argmax(x, 1);
    EXPECT_EQ(rows.dtype(), tg::kInt64);
    EXPECT_EQ(rows.shape(), tg::Shape({3}));
    EXPECT_EQ(rows.to_vector<int64_t>(), (I{1, 0, 0}));
    EXPECT_EQ(tg::argmin(x, 1).to_vector<int64_t>(), (I{3, 2, 0}));
    EXPECT_EQ(tg::argmax(x, 0).to_vector<int64_t>(), (I{2, 2, 2, 2}));
    EXPECT_EQ(tg::argmin(x, -2).to_vector<int64_t>(), (I{0, 1, 1, 0}));
    EXPECT_EQ(tg::argmax(x, 1, true).shape(), tg::Shape({3, 1}));
    // Over all values: an index into the flattened tensor (the first 7), rank 0.
    EXPECT_EQ(tg::argmax(x).shape(), tg::Shape{});
    EXPECT_EQ(tg::argmax(x).item<int64_t>(), 8);
    EXPECT_EQ(tg::argmin(x).item<int64_t>(), 6);
  }
  // A NaN counts as the extreme: the first NaN's index, for argmax and argmin alike.
  const double nan = std::nan("");
  const tg::Tensor y = tg::from_vector(std::vector<double>{3, nan, 9, nan}, {4});
  EXPECT_EQ(tg::argmax(y).item<int64_t>(), 1);
  EXPECT_EQ(tg::argmin(y).item<int64_t>(), 1);
  // A scalar's only index is 0; a leaf's indices carry no graph.
  EXPECT_EQ(tg::argmax(tg::scalar_tensor(4.0), 0).item<int64_t>(), 0);
  EXPECT_EQ(tg::argmax(tg::scalar_tensor(4.0)).item<int64_t>(), 0);
  EXPECT_FALSE(tg::argmax(tgtest::rleaf({3}, 2)).requires_grad());
  // A zero-size axis has no argmax; a zero-size kept axis is an empty result.
  EXPECT_TRUE(throws<tg::ValueError>(
      [] {
        tg::argmax(tg::zeros({0, 3}), 0);
      },
      {"argmax", "zero-size axis", "[0, 3]"}));
  EXPECT_TRUE(throws<tg::ValueError>([] { tg::argmin(tg::zeros({0})); }, {"argmin"}));
  EXPECT_EQ(tg::argmax(tg::zeros({0, 3}), 1).shape(), tg::Shape({0}));
  EXPECT_TRUE(throws<tg::ValueError>([] { tg::argmax(tg::zeros({2, 3}), 2); }, {"argmax"}));
}

TEST(Int64, MaxWithIndicesIsTorchMaxAlongAnAxis) {
  const tg::Tensor x = tgtest::leaf({1, 5, 5, 0, 2, 2, -1, 2, 7, 3, 7, 7}, {3, 4});
  auto [values, indices] = tg::max_with_indices(x, 1);
  EXPECT_EQ(values.to_vector<double>(), tg::max(x, {1}).to_vector<double>());
  EXPECT_EQ(indices.to_vector<int64_t>(), tg::argmax(x, 1).to_vector<int64_t>());
  EXPECT_EQ(indices.to_vector<int64_t>(), (I{1, 0, 0}));
  const auto [mins, argmins] = tg::min_with_indices(x, 0, true);
  EXPECT_EQ(mins.shape(), tg::Shape({1, 4}));
  EXPECT_EQ(argmins.shape(), tg::Shape({1, 4}));
  EXPECT_EQ(mins.to_vector<double>(), tg::min(x, {0}).to_vector<double>());
  EXPECT_EQ(argmins.to_vector<int64_t>(), (I{0, 1, 1, 0}));
  // The gradient goes to the returned index alone; tg::max shares it among the ties.
  EXPECT_EQ(tg::grad({tg::sum(values)}, {x})[0].to_vector<double>(),
            (std::vector<double>{0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(
      tg::grad({tg::sum(tg::max(x, {1}))}, {x})[0].to_vector<double>(),
      (std::vector<double>{0, 0.5, 0.5, 0, 1. / 3, 1. / 3, 0, 1. / 3, 1. / 3, 0, 1. / 3, 1. / 3}));
  EXPECT_TRUE(tgtest::grad_ok(
      [](const tg::TensorList& in) { return tg::max_with_indices(in[0], -1).values; },
      {tgtest::rleaf({3, 5}, 9)}));
  EXPECT_TRUE(tgtest::grad_ok(
      [](const tg::TensorList& in) { return tg::min_with_indices(in[0], 0, true).values; },
      {tgtest::rleaf({3, 5}, 10)}));
  // A scalar is its own max, at index 0.
  const auto [s, si] = tg::max_with_indices(tg::scalar_tensor(2.0), 0);
  EXPECT_EQ(s.item<double>(), 2.0);
  EXPECT_EQ(si.item<int64_t>(), 0);
}

TEST(Int64, TheDocsExampleRuns) {
  // docs/autograd.md, "Index tensors".
  tg::Generator gen(12);
  const int64_t n = 5;
  const tg::Tensor logits = tg::randn({4, 3}, gen), x = tg::randn({n, 2}, gen);
  const tg::Tensor y = tg::from_vector(std::vector<float>{0, 2, 1, 1}, {4});
  tg::Tensor labels = tg::argmax(logits, 1);             // [B] int64
  auto [best, where] = tg::max_with_indices(logits, 1);  // torch.max(logits, 1)
  tg::Tensor picked = tg::gather(logits, 1, tg::unsqueeze(labels, 1));
  tg::Tensor batch = tg::index_select(x, 0, tg::randint(0, n, {64}, gen, tg::kInt64));
  double accuracy = tg::mean(tg::eq(labels.to(tg::kFloat32), y)).item<double>();
  EXPECT_EQ(picked.reshape({4}).to_vector<float>(), best.to_vector<float>());
  EXPECT_EQ(where.to_vector<int64_t>(), labels.to_vector<int64_t>());
  EXPECT_EQ(batch.shape(), tg::Shape({64, 2}));
  int correct = 0;
  const I l = labels.to_vector<int64_t>();
  const std::vector<float> t = y.to_vector<float>();
  for (size_t k = 0; k < l.size(); ++k) correct += static_cast<float>(l[k]) == t[k];
  EXPECT_EQ(accuracy, correct / 4.0);
}

}  // namespace
