// The checks every op gets from its entry in the op table (tests/common/op_table.hpp):
// values against the reference in float64 and float32, gradcheck + gradgradcheck of every
// sample, gradients of the inputs' shapes, third order on smooth ops, no graph without
// requires_grad, bad inputs; and the coverage: every op name the library records has an
// entry, or is recorded by one while its gradients are taken (the adjoints).
//
// A new check over every op (forward mode, say) is one more TEST_P on these suites.
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
/// record_multi(), unary_op() and extremum() in autograd/src, and the kNames table of the
/// transpose-flag matmul forms.
std::set<std::string> recorded_names() {
  const std::filesystem::path src = std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "autograd" / "src";
  const std::regex call(R"re(\b(record|record_multi|unary_op|extremum)\(\s*"([A-Za-z0-9_]+)")re");
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
