#include "csv_log.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"

namespace tg::examples {

CsvLog::CsvLog(const std::string& path, std::vector<std::string> columns)
    : path_(path), columns_(columns.size()), file_(std::fopen(path.c_str(), "w"), &std::fclose) {
  if (!file_) throw IoError(fmt::format("CsvLog: cannot open '{}' for writing", path));
  fmt::print(file_.get(), "step");
  for (const auto& c : columns) fmt::print(file_.get(), ",{}", c);
  fmt::print(file_.get(), "\n");
}

void CsvLog::row(int64_t step, const std::vector<double>& values) {
  if (values.size() != columns_)
    throw ValueError(fmt::format("CsvLog '{}': a row of {} values, expected {} (one per column)",
                                 path_, values.size(), columns_));
  fmt::print(file_.get(), "{}", step);
  for (const double v : values) fmt::print(file_.get(), ",{}", v);
  fmt::print(file_.get(), "\n");
}

}  // namespace tg::examples
