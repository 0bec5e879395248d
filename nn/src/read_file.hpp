// Opening and reading files of outside data (checkpoints, datasets); private to nn/src.
//
// Note [Opening outside data]: a file is opened with O_NONBLOCK, so a FIFO never blocks
// the open, and then checked with fstat on the open descriptor (no window between check
// and use): a directory raises "is a directory", a FIFO, socket or device "not a regular
// file (a FIFO)", and a file larger than tg::max_allocation_bytes() is refused before
// anything is allocated for it. Every error is a tg::IoError naming `what` and the path.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace tg::nn::detail {

/// An open, regular, readable file; closes its descriptor unless release()d.
class RegularFile {
 public:
  RegularFile(const std::string& path, const char* what);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;
  int fd() const { return fd_; }
  std::size_t size() const { return size_; }
  /// Hands the descriptor to the caller (e.g. to gzdopen), which then closes it.
  int release();

 private:
  int fd_ = -1;
  std::size_t size_ = 0;
};

/// The whole content of a regular file.
std::vector<unsigned char> read_file(const std::string& path, const char* what);

}  // namespace tg::nn::detail
