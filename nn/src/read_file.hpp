// Reads a whole file into memory (private to nn/src); throws tg::IoError naming `what`.
#pragma once
#include <string>
#include <vector>

namespace tg::nn::detail {

std::vector<unsigned char> read_file(const std::string& path, const char* what);

}  // namespace tg::nn::detail
