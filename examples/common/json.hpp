// One flat JSON object, written on one line: the examples' machine-readable final metrics.
// Keys keep the order they were added in; values are numbers, strings, booleans, or arrays
// of numbers or of strings. Non-finite numbers are written as null (JSON has no NaN).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tg::examples {

class JsonObject {
 public:
  using Value = std::variant<double, int64_t, bool, std::string, std::vector<double>,
                             std::vector<std::string>>;

  JsonObject& add(std::string key, double value);
  JsonObject& add(std::string key, int64_t value);
  JsonObject& add(std::string key, int value) { return add(std::move(key), int64_t{value}); }
  JsonObject& add(std::string key, bool value);
  JsonObject& add(std::string key, std::string value);
  JsonObject& add(std::string key, const char* value) {
    return add(std::move(key), std::string(value));
  }
  JsonObject& add(std::string key, std::vector<double> values);
  JsonObject& add(std::string key, std::vector<std::string> values);

  /// `{"key": value, ...}` without a trailing newline.
  std::string line() const;
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

}  // namespace tg::examples
