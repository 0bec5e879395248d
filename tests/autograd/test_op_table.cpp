// The checks every op gets from its entry in the op table (tests/common/op_table.hpp):
// values against the reference in float64 and float32, gradcheck + gradgradcheck of every
// sample, gradients of the inputs' shapes, third order on smooth ops, no graph without
// requires_grad, bad inputs; and the coverage: every op name the library records has an
// entry, or is recorded by one while its gradients are taken (the adjoints).
//
// Forward mode: JVP against the reverse-mode Jacobian, many tangents against single ones,
// the forward Laplacian against the Hessian trace, and JVP of JVP on the smooth ops.
//
// A new check over every op is one more TEST_P on these suites.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "checks.hpp"
#include "op_table.hpp"
#include "tapegrad/autograd.hpp"
#include "tapegrad/autograd/introspect.hpp"

#ifndef TAPEGRAD_SOURCE_DIR
#error "TAPEGRAD_SOURCE_DIR must name the source tree (tests/CMakeLists.txt sets it)"
#endif

namespace {

using tgtest::OpEntry;
using tgtest::Sample;

// ---- parameters: (entry, sample) and (entry, bad input) pairs, filtered per suite ------

struct SampleCase {
  const OpEntry* entry;
  const Sample* sample;
};
void PrintTo(const SampleCase& c, std::ostream* os) {
  *os << c.entry->label << "/" << c.sample->label;
}

std::vector<SampleCase> samples_where(bool (*keep)(const OpEntry&)) {
  std::vector<SampleCase> out;
  for (const auto& e : tgtest::op_table())
    if (keep(e))
      for (const auto& s : e.samples) out.push_back({&e, &s});
  return out;
}

std::string sample_name(const ::testing::TestParamInfo<SampleCase>& info) {
  return info.param.entry->label + "_" + info.param.sample->label;
}

struct EntryCase {
  const OpEntry* entry;
};
void PrintTo(const EntryCase& c, std::ostream* os) { *os << c.entry->label; }

std::vector<EntryCase> entries_where(bool (*keep)(const OpEntry&)) {
  std::vector<EntryCase> out;
  for (const auto& e : tgtest::op_table())
    if (keep(e)) out.push_back({&e});
  return out;
}

std::string entry_name(const ::testing::TestParamInfo<EntryCase>& info) {
  return info.param.entry->label;
}

tg::TensorList detached(const tg::TensorList& xs, tg::Dtype dtype) {
  tg::TensorList out;
  for (const auto& x : xs) out.push_back(x.detach().to(dtype));
  return out;
}

// ---- values against the elementwise reference ----------------------------------------

/// The NumPy broadcast of `shapes`, written out independently of the library.
tg::Shape broadcast_shape(const std::vector<tg::Shape>& shapes) {
  int rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.rank());
  tg::Shape out(std::vector<int64_t>(static_cast<size_t>(rank), 1));
  for (const auto& s : shapes)
    for (int d = 0; d < s.rank(); ++d) {
      auto& o = out[rank - s.rank() + d];
      if (s[d] != 1) o = s[d];
    }
  return out;
}

/// Flat index into an operand of shape `s` for the output element `flat` of shape `so`.
int64_t broadcast_source(const tg::Shape& s, const tg::Shape& so, int64_t flat) {
  int64_t src = 0, stride = 1;
  for (int d = so.rank() - 1, ds = s.rank() - 1; d >= 0; --d, --ds) {
    const int64_t coord = flat % so[d];
    flat /= so[d];
    if (ds >= 0) {
      if (s[ds] != 1) src += coord * stride;
      stride *= s[ds];
    }
  }
  return src;
}

class OpValues : public ::testing::TestWithParam<SampleCase> {};

TEST_P(OpValues, MatchTheReferenceInBothDtypes) {
  const OpEntry& e = *GetParam().entry;
  const Sample& s = *GetParam().sample;
  const tg::TensorList inputs = tgtest::make_inputs(s);
  for (tg::Dtype dtype : {tg::kFloat64, tg::kFloat32}) {
    SCOPED_TRACE(std::string(tg::name(dtype)));
    const tg::TensorList xs = detached(inputs, dtype);
    const tg::Tensor y = e.fn_of(s)(xs);
    ASSERT_EQ(y.dtype(), dtype);
    std::vector<tg::Shape> shapes;
    std::vector<std::vector<double>> values;  // as fed in: float32-rounded for float32
    for (const auto& x : xs) {
      shapes.push_back(x.shape());
      values.push_back(x.to_vector<double>());
    }
    const tg::Shape out = broadcast_shape(shapes);
    ASSERT_TRUE(tgtest::shape_is(y, out));
    std::vector<double> expected;
    for (int64_t i = 0; i < out.numel(); ++i) {
      std::vector<double> args;
      for (size_t k = 0; k < xs.size(); ++k)
        args.push_back(values[k][static_cast<size_t>(broadcast_source(shapes[k], out, i))]);
      expected.push_back(e.reference(args));
    }
    const bool f64 = dtype == tg::kFloat64;
    EXPECT_TRUE(tgtest::values_near(y, expected, f64 ? e.f64_atol : e.f32_atol,
                                    f64 ? e.f64_rtol : e.f32_rtol));
  }
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpValues, ::testing::ValuesIn(samples_where([](const OpEntry& e) {
                           return static_cast<bool>(e.reference);
                         })),
                         sample_name);

// ---- derivatives ------------------------------------------------------------------------

class OpGradients : public ::testing::TestWithParam<SampleCase> {};

TEST_P(OpGradients, GradcheckAndGradgradcheck) {
  const OpEntry& e = *GetParam().entry;
  EXPECT_TRUE(tgtest::grad_ok(e.fn_of(*GetParam().sample), tgtest::make_inputs(*GetParam().sample),
                              e.options));
}

TEST_P(OpGradients, GradientsHaveTheInputsShapes) {
  const OpEntry& e = *GetParam().entry;
  const tg::TensorList in = tgtest::make_inputs(*GetParam().sample);
  const tg::Tensor y = e.fn_of(*GetParam().sample)(in);
  const tg::TensorList g = tg::grad({y}, in, {.grad_outputs = {tg::ones_like(y)}});
  ASSERT_EQ(g.size(), in.size());
  for (size_t k = 0; k < in.size(); ++k) EXPECT_TRUE(tgtest::shape_is(g[k], in[k].shape()));
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpGradients,
                         ::testing::ValuesIn(samples_where([](const OpEntry& e) {
                           return e.differentiable;
                         })),
                         sample_name);

class OpGraph : public ::testing::TestWithParam<SampleCase> {};

TEST_P(OpGraph, NoGraphWithoutRequiresGrad) {
  const tg::Tensor y = GetParam().entry->fn_of(*GetParam().sample)(
      detached(tgtest::make_inputs(*GetParam().sample), tg::kFloat64));
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpGraph,
                         ::testing::ValuesIn(samples_where([](const OpEntry&) { return true; })),
                         sample_name);

class OpNotDifferentiable : public ::testing::TestWithParam<SampleCase> {};

TEST_P(OpNotDifferentiable, RecordsNothingEvenWhenInputsRequireGrad) {
  const tg::Tensor y =
      GetParam().entry->fn_of(*GetParam().sample)(tgtest::make_inputs(*GetParam().sample));
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpNotDifferentiable,
                         ::testing::ValuesIn(samples_where([](const OpEntry& e) {
                           return !e.differentiable;
                         })),
                         sample_name);

class OpThirdOrder : public ::testing::TestWithParam<EntryCase> {};

TEST_P(OpThirdOrder, GradcheckOfTheSecondVjp) {
  const OpEntry& e = *GetParam().entry;
  const Sample& s = e.samples.front();
  EXPECT_TRUE(tgtest::third_order_ok(e.fn_of(s), tgtest::make_inputs(s)));
}

INSTANTIATE_TEST_SUITE_P(
    OpTable, OpThirdOrder,
    ::testing::ValuesIn(entries_where([](const OpEntry& e) { return e.smooth; })), entry_name);

// ---- forward mode -----------------------------------------------------------------------

/// Random tangents like `xs` (K of them on a leading axis if k > 0), from `seed`.
tg::TensorList random_like(const tg::TensorList& xs, uint64_t seed, int64_t k = 0) {
  tg::Generator gen(seed);
  tg::TensorList out;
  for (const auto& x : xs)
    out.push_back(
        tg::randn(k > 0 ? tg::tangent_shape(k, x.shape()) : x.shape(), gen, tg::kFloat64));
  return out;
}

double inner(const tg::TensorList& a, const tg::TensorList& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += tg::sum(a[i] * b[i]).item<double>();
  return s;
}

class OpForward : public ::testing::TestWithParam<SampleCase> {};

// J·v from forward mode against J·v assembled row by row from reverse mode (row j is the
// VJP with cotangent e_j), which also gives ⟨u, J v⟩ = ⟨Jᵀu, v⟩ for every u.
TEST_P(OpForward, JvpEqualsTheReverseModeJacobianTimesV) {
  const OpEntry& e = *GetParam().entry;
  const tg::DifferentiableFn& f = e.fn_of(*GetParam().sample);
  const tg::TensorList in = tgtest::make_inputs(*GetParam().sample);
  const tg::TensorList v = random_like(in, 7);
  const tg::JvpResult r = tg::jvp(f, in, v);
  const tg::Tensor y = f(in);
  ASSERT_TRUE(tgtest::shape_is(r.tangent, y.shape()));
  EXPECT_TRUE(tgtest::values_near(r.output, y.to_vector<double>(), 0, 0));
  std::vector<double> jv(static_cast<size_t>(y.numel()));
  for (int64_t j = 0; j < y.numel(); ++j) {
    std::vector<double> onehot(jv.size(), 0.0);
    onehot[static_cast<size_t>(j)] = 1;
    const tg::TensorList row =
        tg::grad({y}, in,
                 {.grad_outputs = {tg::from_vector(onehot, y.shape(), tg::kFloat64)},
                  .retain_graph = true,
                  .allow_unused = true});
    for (size_t i = 0; i < in.size(); ++i)
      if (row[i].defined()) jv[static_cast<size_t>(j)] += tg::sum(row[i] * v[i]).item<double>();
  }
  // Rounding only, unless the entry's own gradcheck tolerance is coarser (a float32 cast).
  const double atol = std::max(1e-12, e.options.atol), rtol = std::max(1e-11, e.options.rtol);
  EXPECT_TRUE(tgtest::values_near(r.tangent, jv, atol, rtol));
  const tg::TensorList u = random_like({y}, 8);
  const tg::TensorList vjp = tg::grad({y}, in, {.grad_outputs = u, .allow_unused = true});
  double rhs = 0;
  for (size_t i = 0; i < in.size(); ++i)
    if (vjp[i].defined()) rhs += tg::sum(vjp[i] * v[i]).item<double>();
  EXPECT_NEAR(inner(u, {r.tangent}), rhs, std::max(1e-11, e.options.atol) * (1 + std::abs(rhs)));
}

TEST_P(OpForward, ManyTangentsEqualSingleJvps) {
  const OpEntry& e = *GetParam().entry;
  const tg::DifferentiableFn& f = e.fn_of(*GetParam().sample);
  const tg::TensorList in = tgtest::make_inputs(*GetParam().sample);
  constexpr int64_t kCount = 3;
  const tg::TensorList many = random_like(in, 9, kCount);
  const tg::Tensor batched = tg::jvp(f, in, many, {.batched = true}).tangent;
  for (int64_t k = 0; k < kCount; ++k) {
    tg::TensorList one;
    for (const auto& t : many) one.push_back(tg::squeeze(tg::slice(t, 0, k, k + 1), 0));
    const tg::Tensor single = tg::jvp(f, in, one).tangent;
    EXPECT_TRUE(tgtest::values_near(tg::squeeze(tg::slice(batched, 0, k, k + 1), 0),
                                    single.to_vector<double>(), 1e-13, 1e-12))
        << "tangent " << k;
  }
}

// The forward Laplacian's per-op curvature: all inputs are slices of one vector z, and
// f(z) = Σ w ⊙ op(inputs(z)); its Laplacian in z from one forward sweep against the exact
// Hessian trace from reverse mode.
TEST_P(OpForward, ForwardLaplacianEqualsTheHessianTrace) {
  const OpEntry& e = *GetParam().entry;
  const tg::DifferentiableFn& op = e.fn_of(*GetParam().sample);
  const tg::TensorList in = tgtest::make_inputs(*GetParam().sample);
  std::vector<double> z0;
  for (const auto& x : in)
    for (double value : x.to_vector<double>()) z0.push_back(value);
  const tg::Tensor w = random_like({op(in)}, 10)[0];
  auto f = [&](const tg::Tensor& z) {
    tg::TensorList xs;
    int64_t offset = 0;
    for (const auto& x : in) {
      xs.push_back(tg::reshape(tg::slice(z, 1, offset, offset + x.numel()), x.shape()));
      offset += x.numel();
    }
    return tg::reshape(tg::sum(op(xs) * w), {1});
  };
  const tg::Tensor z =
      tg::from_vector(z0, {1, static_cast<int64_t>(z0.size())}, tg::kFloat64).requires_grad_();
  const tg::ForwardLaplacian lap = tg::forward_laplacian(f, z);
  const tg::FieldAndTrace exact = tg::gradient_and_hessian_trace(f, z, tg::TraceMethod::Loop);
  EXPECT_TRUE(tgtest::values_near(lap.value, f(z).to_vector<double>(), 0, 0));
  const double atol = std::max(1e-11, e.options.atol), rtol = std::max(1e-10, e.options.rtol);
  EXPECT_TRUE(tgtest::values_near(lap.gradient, exact.field.to_vector<double>(), atol, rtol));
  EXPECT_TRUE(tgtest::values_near(lap.laplacian, exact.trace.to_vector<double>(), atol, rtol));
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpForward,
                         ::testing::ValuesIn(samples_where([](const OpEntry& e) {
                           return e.differentiable;
                         })),
                         sample_name);

// Second order forward: the JVP of a JVP, D²f[v, w], against reverse over forward (the
// gradient of ⟨u, J v⟩, a JVP inside a backpropagated loss), dotted with w.
class OpForwardSecondOrder : public ::testing::TestWithParam<EntryCase> {};

TEST_P(OpForwardSecondOrder, JvpOfJvpEqualsReverseOverForward) {
  const OpEntry& e = *GetParam().entry;
  const Sample& s = e.samples.front();
  const tg::DifferentiableFn& f = e.fn_of(s);
  const tg::TensorList in = tgtest::make_inputs(s);
  const tg::TensorList v = random_like(in, 11), w = random_like(in, 12);
  const tg::TensorList u = random_like({f(in)}, 13);
  auto first = [&](const tg::TensorList& xs) { return tg::jvp(f, xs, v).tangent; };
  const tg::Tensor second = tg::jvp(first, in, w).tangent;  // D²f[v, w]
  const tg::Tensor loss = tg::sum(first(in) * u[0]);
  const tg::TensorList g = tg::grad({loss}, in, {.allow_unused = true});
  double expected = 0;
  for (size_t i = 0; i < in.size(); ++i)
    if (g[i].defined()) expected += tg::sum(g[i] * w[i]).item<double>();
  EXPECT_NEAR(inner(u, {second}), expected, 1e-10 * (1 + std::abs(expected)));
}

INSTANTIATE_TEST_SUITE_P(
    OpTable, OpForwardSecondOrder,
    ::testing::ValuesIn(entries_where([](const OpEntry& e) { return e.smooth; })), entry_name);

// ---- bad inputs -------------------------------------------------------------------------

struct BadCase {
  const OpEntry* entry;
  const tgtest::BadInput* bad;
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.entry->label << "/" << c.bad->what; }

std::vector<BadCase> bad_cases() {
  std::vector<BadCase> out;
  for (const auto& e : tgtest::op_table())
    for (const auto& b : e.bad) out.push_back({&e, &b});
  return out;
}

class OpBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(OpBadInput, ThrowsTheDocumentedErrorNamingTheOp) {
  const tgtest::BadInput& b = *GetParam().bad;
  ASSERT_FALSE(b.mentions.empty()) << "a bad input must say what its message names";
  std::optional<tg::DetectAnomalyGuard> anomaly;
  if (b.anomaly) anomaly.emplace();
  try {
    b.call();
    ADD_FAILURE() << "expected " << tgtest::kind_name(b.expected) << ", nothing was thrown";
  } catch (const tg::Error& err) {
    const std::string msg = err.what();
    EXPECT_TRUE(tgtest::is_kind(err, b.expected)) << "expected " << tgtest::kind_name(b.expected)
                                                  << ", got " << typeid(err).name() << ": " << msg;
    for (const auto& m : b.mentions)
      EXPECT_NE(msg.find(m), std::string::npos)
          << "the message does not mention \"" << m << "\": " << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpBadInput, ::testing::ValuesIn(bad_cases()),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           return tgtest::label_of(info.param.entry->label, info.param.bad->what);
                         });

// ---- coverage: every recorded op name has an entry --------------------------------------

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Every op name the library can record: the string literal passed to record(),
/// record_multi(), unary_op(), extremum() and extreme_of() in autograd/src, and the kNames table of
/// the transpose-flag matmul forms.
std::set<std::string> recorded_names() {
  const std::filesystem::path src = std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "autograd" / "src";
  const std::regex call(
      R"re(\b(record|record_multi|unary_op|extremum|extreme_of)\(\s*"([A-Za-z0-9_]+)")re");
  const std::regex knames(R"re(kNames\s*=\s*\{([^}]*)\})re");
  const std::regex literal(R"re("([A-Za-z0-9_]+)")re");
  std::set<std::string> names;
  int knames_found = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(src)) {
    if (!f.is_regular_file()) continue;
    const auto ext = f.path().extension();
    if (ext != ".cpp" && ext != ".hpp") continue;
    const std::string text = read_all(f.path());
    for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it)
      names.insert((*it)[2]);
    for (std::sregex_iterator it(text.begin(), text.end(), knames), end; it != end; ++it) {
      const std::string list = (*it)[1];
      for (std::sregex_iterator l(list.begin(), list.end(), literal); l != end; ++l) {
        names.insert((*l)[1]);
        ++knames_found;
      }
    }
  }
  EXPECT_EQ(knames_found, 4) << "kNames in " << src << "/ops/linalg.cpp: the matmul forms";
  return names;
}

void insert_tape_names(const tg::TensorList& outputs, std::set<std::string>& names) {
  tg::TensorList defined;
  for (const auto& t : outputs)
    if (t.defined() && t.requires_grad()) defined.push_back(t);
  for (const auto& entry : tg::tape(defined)) names.insert(entry.op);
}

/// The names on the tape of each sample's output, of its gradients taken with
/// create_graph, and of their gradients in turn: the adjoint ops (slice_backward,
/// index_add, scatter_add) appear only there.
std::set<std::string> names_recorded_by_the_table() {
  std::set<std::string> names;
  for (const auto& e : tgtest::op_table()) {
    if (!e.differentiable) continue;
    for (const auto& s : e.samples) {
      const tg::TensorList in = tgtest::make_inputs(s);
      const tg::Tensor y = e.fn_of(s)(in);
      insert_tape_names({y}, names);
      // A cotangent that requires grad: an adjoint is recorded only when its input does.
      const tg::Tensor u = tg::ones_like(y).requires_grad_();
      const tg::TensorList g =
          tg::grad({y}, in, {.grad_outputs = {u}, .create_graph = true, .allow_unused = true});
      insert_tape_names(g, names);
      tg::TensorList live, ones;
      for (const auto& gi : g)
        if (gi.defined() && gi.requires_grad()) {
          live.push_back(gi);
          ones.push_back(tg::ones_like(gi));
        }
      if (live.empty()) continue;
      insert_tape_names(
          tg::grad(live, in, {.grad_outputs = ones, .create_graph = true, .allow_unused = true}),
          names);
    }
  }
  return names;
}

TEST(OpTableCoverage, EveryRecordedOpNameHasAnEntry) {
  const std::set<std::string> recorded = recorded_names();
  // 51 names today; far fewer means the scan no longer sees the recording calls.
  ASSERT_GE(recorded.size(), 40u) << "the scan of " << TAPEGRAD_SOURCE_DIR
                                  << "/autograd/src found only " << recorded.size()
                                  << " op names: has the recording call changed its name?";
  std::set<std::string> covered = names_recorded_by_the_table();
  for (const auto& e : tgtest::op_table()) covered.insert(e.name);
  std::string missing;
  for (const auto& n : recorded)
    if (!covered.contains(n)) missing += " " + n;
  EXPECT_TRUE(missing.empty()) << "recorded op names with no entry in tests/common/op_table/ "
                                  "(and not recorded by any entry's gradients):"
                               << missing;
}

class OpTape : public ::testing::TestWithParam<EntryCase> {};

// An entry named after a primitive records it (in some sample): the name is not a typo.
TEST_P(OpTape, RecordsThePrimitiveItIsNamedAfter) {
  static const std::set<std::string> recorded = recorded_names();
  const OpEntry& e = *GetParam().entry;
  std::set<std::string> names;
  for (const auto& s : e.samples) insert_tape_names({e.fn_of(s)(tgtest::make_inputs(s))}, names);
  EXPECT_FALSE(names.empty());
  if (recorded.contains(e.name)) {
    EXPECT_TRUE(names.contains(e.name)) << e.label << " does not record " << e.name;
  }
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpTape, ::testing::ValuesIn(entries_where([](const OpEntry& e) {
                           return e.differentiable;
                         })),
                         entry_name);

TEST(OpTableCoverage, LabelsAreUniqueAndEveryEntryHasASample) {
  std::set<std::string> labels;
  for (const auto& e : tgtest::op_table()) {
    EXPECT_TRUE(labels.insert(e.label).second) << "duplicate label " << e.label;
    EXPECT_FALSE(e.samples.empty()) << e.label;
    EXPECT_TRUE(static_cast<bool>(e.fn)) << e.label;
  }
}

}  // namespace
