// What every example shares, so that its own .cpp holds only the lesson: the common
// flags, where text and results go, the output folder, and the final metrics.
//
//   --help            the flags (CLI11)
//   --seed N          the one random seed (same seed and threads: the same run, bit for bit)
//   --steps N         training steps (the example's default, or its paper-scale one under --full)
//   --threads N       worker threads (0: all cores)
//   --out DIR         pictures, CSV logs and metrics.json (default out/<example>/)
//   --json            exactly one JSON line of final metrics on stdout, nothing else; the
//                     progress and the text go to stderr
//   --full            the paper-scale run (more steps, sizes or repeats; see the example)
//
//   tg::examples::Example ex("nce_ica", "NCE against MLE for ICA", {.steps = 600, .full_steps =
//   3000}); ex.cli().add_option("--nu", nus, "noise ratios");   // the example's own flags if (auto
//   rc = ex.parse(argc, argv)) return *rc;
//   ... ex.say("...") ... ex.progress(n) ... ex.csv("loss.csv", {...}) ...
//   ex.finish(metrics);
#pragma once
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "csv_log.hpp"
#include "json.hpp"
#include "progress.hpp"

namespace tg::examples {

struct StepDefaults {
  int64_t steps = 1000;       ///< --steps when not given
  int64_t full_steps = 1000;  ///< --steps when not given under --full
};

struct CommonFlags {
  uint64_t seed = 0;
  int64_t steps = 0;
  int threads = 0;
  std::string out;
  bool json = false;
  bool full = false;
};

class Example {
 public:
  Example(std::string name, const std::string& description, StepDefaults defaults);

  /// The parser, for the example's own flags (add them before parse()).
  CLI::App& cli() { return app_; }
  /// Parses the command line, applies --threads and creates --out. Returns the exit code
  /// when the program should stop now (after --help, or on a bad flag, whose message
  /// CLI11 has printed); std::nullopt to go on.
  std::optional<int> parse(int argc, char** argv);

  const CommonFlags& flags() const { return flags_; }
  const std::string& name() const { return name_; }
  /// `file` inside --out.
  std::string path(const std::string& file) const;
  /// Where text for a person goes: stdout, or stderr under --json.
  std::FILE* text() const { return flags_.json ? stderr : stdout; }
  /// A line of text for a person (a newline is added).
  template <class... Args>
  void say(fmt::format_string<Args...> format, Args&&... args) const {
    fmt::print(text(), "{}\n", fmt::format(format, std::forward<Args>(args)...));
  }
  /// A progress line for `total` steps, on text().
  Progress progress(int64_t total, const std::string& label) const;
  /// A per-step CSV log `file` in --out.
  CsvLog csv(const std::string& file, std::vector<std::string> columns) const;
  /// Wall seconds since construction.
  double seconds() const;
  /// Notes a picture written to --out (listed at the end and in the metrics as "pictures").
  void picture(const std::string& file, const std::string& what);
  /// Ends the run: adds "example" first, then "pictures" (the files noted by picture(),
  /// relative to --out), "seed", "threads" and "seconds" (wall time since construction); writes
  /// metrics.json in --out, and prints the metrics — as the one JSON line on stdout under --json,
  /// as "key: value" lines otherwise.
  void finish(JsonObject metrics) const;

 private:
  std::string name_;
  StepDefaults defaults_;
  CLI::App app_;
  CommonFlags flags_;
  std::vector<std::pair<std::string, std::string>> pictures_;
  double start_seconds_;
};

}  // namespace tg::examples
