#include "tapegrad/dist/checkpoint.hpp"

#include <fmt/format.h>

#include <functional>

#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/dist/communicator.hpp"
#include "tapegrad/nn/checkpoint.hpp"

namespace tg::dist {
namespace {

/// The message of the exception `f` throws, or "" if it returns. Every exception is caught:
/// one that escaped on one rank would leave the others waiting in the collective below.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

void on_main_rank(std::string_view op, const std::string& path, const std::function<void()>& f) {
  const std::string error = broadcast_string(is_main() ? error_of(f) : "", 0);
  if (!error.empty())
    throw IoError(fmt::format("{}: rank 0 could not write '{}': {}", op, path, error));
}

void on_every_rank(std::string_view op, const std::string& path, const std::function<void()>& f) {
  const std::string error = error_of(f);
  Tensor failed = zeros({world_size()}, kInt64);
  failed.data<int64_t>()[rank()] = error.empty() ? 0 : 1;
  all_reduce_sum(failed);
  std::string ranks;
  for (int r = 0; r < world_size(); ++r)
    if (failed.data<int64_t>()[r] != 0) ranks += fmt::format("{}{}", ranks.empty() ? "" : ", ", r);
  if (ranks.empty()) return;
  throw IoError(
      fmt::format("{}: '{}' could not be loaded on rank(s) {}{}", op, path, ranks,
                  error.empty() ? "" : fmt::format("; here (rank {}): {}", rank(), error)));
}

}  // namespace

void save(const nn::Module& module, const std::string& path) {
  on_main_rank("tg::dist::save", path, [&] { nn::save(module, path); });
}
void save(const optim::Optimizer& optimizer, const std::string& path) {
  on_main_rank("tg::dist::save", path, [&] { nn::save(optimizer, path); });
}
void load(nn::Module& module, const std::string& path) {
  on_every_rank("tg::dist::load", path, [&] { nn::load(module, path); });
}
void load(optim::Optimizer& optimizer, const std::string& path) {
  on_every_rank("tg::dist::load", path, [&] { nn::load(optimizer, path); });
}

}  // namespace tg::dist
