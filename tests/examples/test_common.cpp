// The examples' shared plumbing (examples/common): JSON line, CSV log, line fit, plots and
// the Example front end.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/csv_log.hpp"
#include "common/example.hpp"
#include "common/grid.hpp"
#include "common/json.hpp"
#include "common/plot.hpp"
#include "common/stats.hpp"
#include "tapegrad/autograd.hpp"
#include "tapegrad/autograd/error.hpp"

namespace {

namespace fs = std::filesystem;
namespace plot = tg::examples::plot;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / "tapegrad_examples_tests" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

template <class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no tg::Error thrown)";
}

TEST(ExamplesJson, OneLineInInsertionOrderWithEscapesAndNull) {
  tg::examples::JsonObject j;
  j.add("b", 1.5).add("a", int64_t{3}).add("ok", true).add("s", "say \"hi\"\n\\");
  j.add("v", std::vector<double>{1, std::numeric_limits<double>::quiet_NaN()});
  j.add("names", std::vector<std::string>{"x.png", "y"});
  EXPECT_EQ(j.line(), R"({"b": 1.5, "a": 3, "ok": true, "s": "say \"hi\"\n\\", "v": [1, null], )"
                      R"("names": ["x.png", "y"]})");
}

TEST(ExamplesJson, DoublesRoundTrip) {
  tg::examples::JsonObject j;
  j.add("x", 0.1 + 0.2);
  const std::string line = j.line();
  const double back = std::stod(line.substr(line.find(':') + 1));
  EXPECT_EQ(back, 0.1 + 0.2);
}

TEST(ExamplesFitLine, ExactLineAndThreePointStandardError) {
  const auto exact = tg::examples::fit_line({1, 2, 3, 4}, {3, 1, -1, -3});
  EXPECT_DOUBLE_EQ(exact.slope, -2);
  EXPECT_DOUBLE_EQ(exact.intercept, 5);
  EXPECT_NEAR(exact.slope_stderr, 0, 1e-12);
  // x = 0, 1, 2; y = 0, 1, 3: slope 3/2, intercept −1/6, residuals 1/6, −1/3, 1/6, so
  // σ̂² = (1/6)/1 and the standard error is √(σ̂²/Σ(x − x̄)²) = √(1/12).
  const auto f = tg::examples::fit_line({0, 1, 2}, {0, 1, 3});
  EXPECT_DOUBLE_EQ(f.slope, 1.5);
  EXPECT_NEAR(f.intercept, -1.0 / 6, 1e-15);
  EXPECT_NEAR(f.slope_stderr, std::sqrt(1.0 / 12), 1e-15);
}

TEST(ExamplesFitLine, BadInputIsNamed) {
  EXPECT_EQ(error_message([] {
              tg::examples::fit_line({1, 2}, {1});
            }),
            "fit_line: x has 2 points and y 1; expected the same number, at least 2");
  EXPECT_EQ(error_message([] {
              tg::examples::fit_line({2, 2}, {1, 3});
            }),
            "fit_line: every x is the same; a slope needs two distinct x");
}

TEST(ExamplesCsvLog, WritesHeaderAndRowsAndNamesBadRows) {
  const fs::path file = scratch("csv") / "loss.csv";
  {
    tg::examples::CsvLog log(file.string(), {"d", "g"});
    log.row(1, {0.5, -2});
    log.row(2, {0.25, 1e-3});
    EXPECT_EQ(error_message([&] { log.row(3, {1}); }),
              "CsvLog '" + file.string() + "': a row of 1 values, expected 2 (one per column)");
  }
  EXPECT_EQ(read(file), "step,d,g\n1,0.5,-2\n2,0.25,0.001\n");
  const std::string missing = (scratch("csv_missing") / "no" / "such" / "x.csv").string();
  EXPECT_EQ(error_message([&] { tg::examples::CsvLog(missing, {"a"}); }),
            "CsvLog: cannot open '" + missing + "' for writing");
}

TEST(ExamplesPlot, WritesAPngAndNamesInconsistentData) {
  const fs::path dir = scratch("plot");
  plot::Panel p{.title = "t", .xlabel = "x", .ylabel = "y"};
  plot::HeatMap h{.nx = 2, .ny = 2, .values = {0, 1, 2, 3}, .label = "v"};
  p.heat = h;
  p.series.push_back({.x = {0.2, 0.8}, .y = {0.5, 0.5}, .label = "dots", .mark = plot::Mark::Dots});
  plot::save_png(p, (dir / "ok.png").string(), 320, 240);
  const std::string png = read(dir / "ok.png");
  ASSERT_GE(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_FALSE(fs::exists(dir / "ok.png.tmp"));

  plot::Panel bad_series = p;
  bad_series.series[0].y.push_back(1);
  EXPECT_EQ(error_message([&] { plot::save_png(bad_series, (dir / "a.png").string()); }),
            "plot 't': series 'dots' has 2 x values and 3 y values");
  plot::Panel bad_heat = p;
  bad_heat.heat->values.pop_back();
  EXPECT_EQ(error_message([&] { plot::save_png(bad_heat, (dir / "b.png").string()); }),
            "plot 't': heat map of 2×2 cells has 3 values");
  plot::Panel bad_names = p;
  bad_names.heat->x_categories = {"only one"};
  EXPECT_EQ(error_message([&] { plot::save_png(bad_names, (dir / "c.png").string()); }),
            "plot 't': 1 x and 0 y category names for 2×2 cells");
  EXPECT_FALSE(fs::exists(dir / "a.png") || fs::exists(dir / "b.png") || fs::exists(dir / "c.png"));
}

TEST(ExamplesPlot, LegendOutsideTheAxesBesideAColourBar) {
  // Curves in the thousands (tick labels in fixed point, the y title moved clear of them) and
  // the legend beside the axes and the colour bar, top and bottom aligned.
  const fs::path dir = scratch("plot_legend_outside");
  plot::Panel p{.title = "t", .xlabel = "σ", .ylabel = "log p̂#dσ#u", .legend_outside = true};
  p.heat = plot::HeatMap{.nx = 2,
                         .ny = 2,
                         .x0 = 0,
                         .x1 = 1,
                         .y0 = -2100,
                         .y1 = -100,
                         .values = {0, 1, 2, 3},
                         .label = "v"};
  p.series.push_back({.x = {0, 0.5, 1}, .y = {-2000, -150, -700}, .label = "validation"});
  p.series.push_back(
      {.x = {0.5}, .y = {-150}, .label = "test, at the chosen σ", .mark = plot::Mark::Dots});
  for (bool bottom : {false, true}) {
    p.legend_bottom = bottom;
    const fs::path file = dir / (bottom ? "bottom.png" : "top.png");
    plot::save_png(p, file.string(), 500, 300);
    const std::string png = read(file);
    ASSERT_GE(png.size(), 24u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    // IHDR's width and height, big-endian, right after the chunk's length and type.
    auto u32 = [&](size_t at) {
      uint32_t v = 0;
      for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(png[at + i]);
      return v;
    };
    EXPECT_EQ(png.substr(12, 4), "IHDR");
    EXPECT_EQ(u32(16), 500u);
    EXPECT_EQ(u32(20), 300u);
  }
}

TEST(ExamplesPlot, ImageGridWritesASquarePngAndNamesBadSizes) {
  const fs::path dir = scratch("image_grid");
  // Three 2×3 images on a 2×2 grid (the last cell stays empty).
  plot::ImageGrid grid{.title = "samples", .rows = 2, .columns = 2, .height = 2, .width = 3};
  for (int i = 0; i < 3 * 6; ++i) grid.pixels.push_back(i / 17.0);
  plot::save_png(grid, (dir / "grid.png").string(), 200);
  const std::string png = read(dir / "grid.png");
  ASSERT_GE(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  EXPECT_EQ(be32(16), 200u);  // IHDR width and height
  EXPECT_EQ(be32(20), 200u);

  plot::ImageGrid partial = grid;
  partial.pixels.pop_back();
  EXPECT_EQ(error_message([&] { plot::save_png(partial, (dir / "a.png").string()); }),
            "plot 'samples': 17 pixel values for a 2×2 grid of 2×3 images; expected a whole "
            "number of images, at most 4");
  plot::ImageGrid too_many = grid;
  too_many.pixels.resize(5 * 6, 0.5);
  EXPECT_EQ(error_message([&] { plot::save_png(too_many, (dir / "b.png").string()); }),
            "plot 'samples': 30 pixel values for a 2×2 grid of 2×3 images; expected a whole "
            "number of images, at most 4");
  EXPECT_FALSE(fs::exists(dir / "a.png") || fs::exists(dir / "b.png"));
}

TEST(ExamplesExample, CommonFlagsStepsOutAndMetricsFile) {
  const fs::path out = scratch("example") / "run";
  const std::string out_flag = out.string();
  std::vector<std::string> args{"demo", "--full", "--seed", "7", "--out", out_flag, "--json"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  tg::examples::Example ex("demo", "a test", {.steps = 10, .full_steps = 99});
  int64_t own = 1;
  ex.cli().add_option("--own", own, "an example's own flag");
  ASSERT_FALSE(ex.parse(static_cast<int>(argv.size()), argv.data()).has_value());
  EXPECT_EQ(ex.flags().steps, 99);  // --full without --steps
  EXPECT_EQ(ex.flags().seed, 7u);
  EXPECT_EQ(ex.text(), stderr);  // --json keeps stdout for the JSON line
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_EQ(ex.path("a.png"), (out / "a.png").string());

  ex.picture("a.png", "a picture");
  tg::examples::JsonObject m;
  m.add("loss", 0.5);
  testing::internal::CaptureStdout();
  ex.finish(m);
  const std::string stdout_text = testing::internal::GetCapturedStdout();
  EXPECT_EQ(stdout_text.find('\n'), stdout_text.size() - 1);  // one line
  EXPECT_EQ(stdout_text.rfind(
                R"({"example": "demo", "loss": 0.5, "pictures": ["a.png"], "seed": 7, )", 0),
            0u);
  EXPECT_EQ(read(out / "metrics.json"), stdout_text);

  tg::examples::Example defaults("demo2", "a test", {.steps = 10, .full_steps = 99});
  std::vector<std::string> args2{"demo2", "--steps", "3", "--out", out_flag};
  std::vector<char*> argv2;
  for (auto& a : args2) argv2.push_back(a.data());
  ASSERT_FALSE(defaults.parse(static_cast<int>(argv2.size()), argv2.data()).has_value());
  EXPECT_EQ(defaults.flags().steps, 3);
  EXPECT_EQ(defaults.text(), stdout);
}

TEST(ExamplesExample, BadFlagStopsWithAnExitCode) {
  std::vector<std::string> args{"demo", "--steps", "-4"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  tg::examples::Example ex("demo", "a test", {});
  testing::internal::CaptureStderr();
  const auto rc = ex.parse(static_cast<int>(argv.size()), argv.data());
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(rc.has_value());
  EXPECT_NE(*rc, 0);
  EXPECT_NE(err.find("--steps"), std::string::npos);
}

}  // namespace

// The grid's log-normaliser of u = −‖x‖²/2 is log 2π: the midpoint rule on a Gaussian is
// accurate far beyond 1e-9 at 0.06-wide cells (its error falls like exp(−2π²/h²)), and the
// mass outside [−6, 6]² is about 4·Φ(−6) ≈ 4e-9, so the 1e-5 tolerance is for the float32
// grid points and u (relative rounding 6e-8 on values up to 36) alone. normalised() subtracts it
// from every cell.
TEST(ExamplesGrid2d, LogNormaliserOfAGaussianAndBadInputIsNamed) {
  const tg::examples::Grid2d grid{.cells = 200, .extent = 6.0};
  const tg::Tensor x = grid.points();
  ASSERT_EQ(x.shape()[0], 200 * 200);
  const tg::Tensor u = -0.5 * (x * x).sum({1});
  EXPECT_NEAR(grid.log_normaliser(u), std::log(2 * M_PI), 1e-5);
  const std::vector<double> log_p = grid.normalised(u);
  const std::vector<double> raw = u.to_vector<double>();
  EXPECT_NEAR(log_p[0], raw[0] - std::log(2 * M_PI), 1e-4);
  EXPECT_EQ(error_message([&] { grid.log_normaliser(tg::zeros({7})); }),
            "Grid2d::log_normaliser: expected one value per cell (40000), got 7");
}
