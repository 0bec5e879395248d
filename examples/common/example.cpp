#include "example.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace tg::examples {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Example::Example(std::string name, const std::string& description, StepDefaults defaults)
    : name_(std::move(name)),
      defaults_(defaults),
      app_(fmt::format("{}: {}", name_, description), name_),
      start_seconds_(now_seconds()) {
  flags_.out = fmt::format("out/{}", name_);
  app_.add_option("--seed", flags_.seed, "random seed")->capture_default_str();
  app_.add_option("--steps", flags_.steps,
                  fmt::format("training steps (default {}, {} with --full)", defaults_.steps,
                              defaults_.full_steps))
      ->check(CLI::PositiveNumber);
  app_.add_option("--threads", flags_.threads, "worker threads (0: all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app_.add_option("--out", flags_.out, "folder for pictures, CSV logs and metrics.json")
      ->capture_default_str();
  app_.add_flag("--json", flags_.json,
                "print exactly one JSON line of final metrics on stdout (text goes to stderr)");
  app_.add_flag("--full", flags_.full, "the paper-scale run");
}

std::optional<int> Example::parse(int argc, char** argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app_.exit(e);
  }
  if (flags_.steps == 0) flags_.steps = flags_.full ? defaults_.full_steps : defaults_.steps;
  if (flags_.threads > 0) set_num_threads(flags_.threads);
  std::filesystem::create_directories(flags_.out);
  return std::nullopt;
}

std::string Example::path(const std::string& file) const {
  return (std::filesystem::path(flags_.out) / file).string();
}

Progress Example::progress(int64_t total, const std::string& label) const {
  return Progress(total, label, text());
}

CsvLog Example::csv(const std::string& file, std::vector<std::string> columns) const {
  return CsvLog(path(file), std::move(columns));
}

void Example::picture(const std::string& file, const std::string& what) {
  pictures_.emplace_back(file, what);
}

double Example::seconds() const { return now_seconds() - start_seconds_; }

void Example::finish(JsonObject metrics) const {
  JsonObject all;
  all.add("example", name_);
  for (const auto& [key, value] : metrics.entries())
    std::visit([&, &key = key](const auto& v) { all.add(key, v); }, value);
  std::vector<std::string> files;
  for (const auto& picture : pictures_) files.push_back(picture.first);
  all.add("pictures", std::move(files));
  all.add("seed", static_cast<int64_t>(flags_.seed));
  all.add("threads", static_cast<int64_t>(get_num_threads()));
  all.add("seconds", seconds());
  const std::string line = all.line();
  {
    const std::string file = path("metrics.json");
    std::ofstream out(file);
    out << line << "\n";
    if (!out) throw IoError(fmt::format("{}: cannot write '{}'", name_, file));
  }
  if (flags_.json) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
    return;
  }
  for (const auto& [file, what] : pictures_) say("picture: {}  ({})", path(file), what);
  say("metrics ({}):", path("metrics.json"));
  for (const auto& [key, value] : all.entries()) {
    JsonObject one;
    std::visit([&, &key = key](const auto& v) { one.add(key, v); }, value);
    const std::string text = one.line();  // {"key": value}
    say("  {}", text.substr(1, text.size() - 2));
  }
}

}  // namespace tg::examples
