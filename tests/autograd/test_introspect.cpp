// Looking at the tape: tape(), format_tape(), to_dot(), live_nodes(), live_bytes().
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tapegrad/autograd.hpp"

namespace {

using tg::Tensor;

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

struct Graph {
  Tensor x, w, y;
};

// y = sum(tanh(x·w) * x2) with x [4, 3], w [3, 2], x2 [4, 2] (float64).
Graph build() {
  tg::Generator gen(3);
  Graph g;
  g.x = tg::randn({4, 3}, gen, tg::kFloat64).requires_grad_();
  g.w = tg::randn({3, 2}, gen, tg::kFloat64).requires_grad_();
  Tensor x2 = tg::randn({4, 2}, gen, tg::kFloat64);
  g.y = (tg::tanh(tg::matmul(g.x, g.w)) * x2).sum();
  return g;
}

TEST(Introspect, TapeListsNodesInSequenceOrder) {
  Graph g = build();
  std::vector<tg::TapeEntry> t = tg::tape({g.y});
  std::vector<std::string> ops;
  for (const auto& e : t) ops.push_back(e.op);
  // Leaf accumulators are created when their leaf is first used (as matmul records).
  EXPECT_EQ(ops, (std::vector<std::string>{"matmul", "AccumulateGrad", "AccumulateGrad", "tanh",
                                           "mul", "sum"}));
  for (size_t i = 1; i < t.size(); ++i) EXPECT_LT(t[i - 1].seq, t[i].seq);
  EXPECT_EQ(t.back().seq, g.y.grad_fn()->sequence_nr());

  const tg::TapeEntry& matmul = t[0];
  EXPECT_EQ(matmul.output_shapes, (std::vector<tg::Shape>{{4, 2}}));
  EXPECT_EQ(matmul.dtype, tg::kFloat64);
  EXPECT_EQ(matmul.saved_bytes, (4 * 3 + 3 * 2) * sizeof(double));  // saves x and w
  EXPECT_EQ(matmul.input_seqs, (std::vector<uint64_t>{t[1].seq, t[2].seq}));
  EXPECT_EQ(t[1].output_shapes, (std::vector<tg::Shape>{{4, 3}}));  // the leaf x
  EXPECT_EQ(t[3].saved_bytes, 4 * 2 * sizeof(double));              // tanh saves its output
  EXPECT_EQ(t[3].input_seqs, (std::vector<uint64_t>{matmul.seq}));
  EXPECT_EQ(t[4].input_seqs, (std::vector<uint64_t>{t[3].seq}));  // x2 needs no gradient
  EXPECT_EQ(t[5].output_shapes, (std::vector<tg::Shape>{tg::Shape{}}));
  EXPECT_EQ(t[5].saved_bytes, 0u);

  g.y.backward();  // releases the saved values
  for (const auto& e : tg::tape({g.y})) EXPECT_EQ(e.saved_bytes, 0u) << e.op;
}

TEST(Introspect, FormatTapeIsOneLinePerNode) {
  Graph g = build();
  const std::string s = tg::format_tape({g.y});
  EXPECT_EQ(count(s, "\n"), 1 + tg::tape({g.y}).size());
  for (const char* op : {"matmul", "tanh", "mul", "sum", "AccumulateGrad", "float64", "[4, 2]"})
    EXPECT_NE(s.find(op), std::string::npos) << op << "\n" << s;
  EXPECT_LT(s.find("matmul"), s.find("tanh"));
  EXPECT_LT(s.find("tanh"), s.find("sum"));
}

TEST(Introspect, DotIsADigraphWithEveryOpAndEdge) {
  Graph g = build();
  const std::string dot = tg::to_dot({g.y});
  EXPECT_EQ(dot.rfind("digraph", 0), 0u) << dot;
  EXPECT_EQ(count(dot, "{"), 1u);
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
  for (const char* op : {"matmul", "tanh", "mul", "sum", "AccumulateGrad"})
    EXPECT_NE(dot.find(op), std::string::npos) << op;
  size_t edges = 0;
  for (const auto& e : tg::tape({g.y})) {
    edges += e.input_seqs.size();
    EXPECT_NE(dot.find(fmt::format("n{} [label=", e.seq)), std::string::npos);
    for (uint64_t in : e.input_seqs)
      EXPECT_NE(dot.find(fmt::format("n{} -> n{};", in, e.seq)), std::string::npos);
  }
  EXPECT_EQ(count(dot, "->"), edges);
  // x->matmul, w->matmul, matmul->tanh, tanh->mul, mul->sum; none from x2, which
  // needs no gradient.
  EXPECT_EQ(edges, 5u);
}

TEST(Introspect, EmptyForTensorsOutsideAGraph) {
  Tensor c = tg::ones({2});
  EXPECT_TRUE(tg::tape({c}).empty());
  EXPECT_EQ(count(tg::to_dot({c}), "->"), 0u);
}

TEST(Introspect, LiveCountsReturnToBaselineWhenAGraphDies) {
  const auto nodes = tg::live_nodes();
  const auto bytes = tg::live_bytes();
  {
    Graph g = build();
    EXPECT_EQ(tg::live_nodes() - nodes, 6);
    EXPECT_GT(tg::live_bytes(), bytes);
    g.y.backward();
    EXPECT_EQ(tg::live_nodes() - nodes, 6);  // the graph lives as long as y does
    EXPECT_TRUE(g.x.grad().defined());
  }
  EXPECT_EQ(tg::live_nodes(), nodes);
  EXPECT_EQ(tg::live_bytes(), bytes);
}

TEST(Introspect, LiveBytesCountStorageOnce) {
  const auto bytes = tg::live_bytes();
  Tensor a = tg::zeros({10}, tg::kFloat64);
  EXPECT_EQ(tg::live_bytes() - bytes, 80);
  Tensor alias = a.detach();  // shares the storage
  Tensor view = a.reshape({2, 5});
  EXPECT_EQ(tg::live_bytes() - bytes, 80);
  Tensor b = a.to(tg::kFloat32);
  EXPECT_EQ(tg::live_bytes() - bytes, 120);
}

}  // namespace
