// A CSV file of every loss at every step, written as training goes (one row per call), so
// a run can be plotted or compared afterwards: `step,<column>,<column>...`.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace tg::examples {

class CsvLog {
 public:
  /// Creates (truncates) `path` and writes the header `step,columns...`; throws
  /// tg::IoError if the file cannot be opened.
  CsvLog(const std::string& path, std::vector<std::string> columns);
  /// One row; `values` must have one entry per column (else tg::ValueError).
  void row(int64_t step, const std::vector<double>& values);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  size_t columns_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
};

}  // namespace tg::examples
