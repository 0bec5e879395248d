#include "read_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/storage.hpp"

namespace tg::nn::detail {

namespace {
const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}
}  // namespace

RegularFile::RegularFile(const std::string& path, const char* what) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0)
    throw IoError(fmt::format("{} {}: cannot open: {}", what, path, std::strerror(errno)));
  struct stat st {};
  std::string why;
  if (::fstat(fd_, &st) != 0)
    why = fmt::format("cannot stat: {}", std::strerror(errno));
  else if (S_ISDIR(st.st_mode))
    why = "is a directory";
  else if (!S_ISREG(st.st_mode))
    why = fmt::format("not a regular file ({})", kind_of(st.st_mode));
  else if (static_cast<uint64_t>(st.st_size) > max_allocation_bytes())
    why = fmt::format("is {} bytes, more than this machine's physical memory ({} bytes)",
                      st.st_size, max_allocation_bytes());
  if (!why.empty()) {
    ::close(fd_);
    throw IoError(fmt::format("{} {}: {}", what, path, why));
  }
  size_ = static_cast<std::size_t>(st.st_size);
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

int RegularFile::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

std::vector<unsigned char> read_file(const std::string& path, const char* what) {
  const RegularFile file(path, what);
  std::vector<unsigned char> bytes(file.size());
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(file.fd(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw IoError(fmt::format("{} {}: read failed: {}", what, path, std::strerror(errno)));
    if (n == 0)
      throw IoError(fmt::format("{} {}: the file shrank to {} bytes while being read (from {})",
                                what, path, done, bytes.size()));
    done += static_cast<std::size_t>(n);
  }
  return bytes;
}

}  // namespace tg::nn::detail
