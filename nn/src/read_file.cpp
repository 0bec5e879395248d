#include "read_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "tapegrad/autograd/error.hpp"

namespace tg::nn::detail {

std::vector<unsigned char> read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw IoError(fmt::format("{} {}: cannot open: {}", what, path, std::strerror(errno)));
  const std::streamoff size = in.tellg();
  if (size < 0) throw IoError(fmt::format("{} {}: cannot determine the file size", what, path));
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw IoError(fmt::format("{} {}: read failed", what, path));
  return bytes;
}

}  // namespace tg::nn::detail
