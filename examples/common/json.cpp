#include "json.hpp"

#include <fmt/format.h>

#include <cmath>

namespace tg::examples {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

// Shortest text that reads back as the same double ({} is round-trip exact in fmt).
std::string number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }

struct ValueWriter {
  std::string operator()(double v) const { return number(v); }
  std::string operator()(int64_t v) const { return fmt::format("{}", v); }
  std::string operator()(bool v) const { return v ? "true" : "false"; }
  std::string operator()(const std::string& v) const { return quoted(v); }
  std::string operator()(const std::vector<double>& vs) const {
    std::string out = "[";
    for (size_t i = 0; i < vs.size(); ++i) out += (i ? ", " : "") + number(vs[i]);
    return out + "]";
  }
  std::string operator()(const std::vector<std::string>& vs) const {
    std::string out = "[";
    for (size_t i = 0; i < vs.size(); ++i) out += (i ? ", " : "") + quoted(vs[i]);
    return out + "]";
  }
};

}  // namespace

JsonObject& JsonObject::add(std::string key, double value) {
  entries_.emplace_back(std::move(key), value);
  return *this;
}
JsonObject& JsonObject::add(std::string key, int64_t value) {
  entries_.emplace_back(std::move(key), value);
  return *this;
}
JsonObject& JsonObject::add(std::string key, bool value) {
  entries_.emplace_back(std::move(key), value);
  return *this;
}
JsonObject& JsonObject::add(std::string key, std::string value) {
  entries_.emplace_back(std::move(key), std::move(value));
  return *this;
}
JsonObject& JsonObject::add(std::string key, std::vector<double> values) {
  entries_.emplace_back(std::move(key), std::move(values));
  return *this;
}

JsonObject& JsonObject::add(std::string key, std::vector<std::string> values) {
  entries_.emplace_back(std::move(key), std::move(values));
  return *this;
}

std::string JsonObject::line() const {
  std::string out = "{";
  for (size_t i = 0; i < entries_.size(); ++i)
    out += (i ? ", " : "") + quoted(entries_[i].first) + ": " +
           std::visit(ValueWriter{}, entries_[i].second);
  return out + "}";
}

}  // namespace tg::examples
