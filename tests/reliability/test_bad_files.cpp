// Every reader of outside data refuses what is not a regular file, with the real reason,
// without blocking and before allocating (Note [Opening outside data] in
// nn/src/read_file.hpp): a directory, a FIFO, a character device, a missing file, and a
// sparse file larger than physical memory, for each of the readers.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/data/fashion_mnist.hpp"
#include "tapegrad/data/idx.hpp"
#include "tapegrad/nn.hpp"
#include "tapegrad/nn/checkpoint.hpp"
#include "tapegrad/nn/npz.hpp"
#include "temp_dir.hpp"

namespace {

using Reader = std::function<void(const std::string& path)>;

struct NamedReader {
  const char* name;
  Reader read;
};

std::vector<NamedReader> readers() {
  return {
      {"read_npz", [](const std::string& p) { tg::nn::read_npz(p); }},
      {"load(module)",
       [](const std::string& p) {
         tg::Generator gen(0);
         tg::nn::Linear net(2, 3, gen);
         tg::nn::load(net, p);
       }},
      {"load(optimizer)",
       [](const std::string& p) {
         tg::Tensor w = tg::zeros({2}).requires_grad_();
         tg::optim::SGD opt({w}, {.lr = 0.1});
         tg::nn::load(opt, p);
       }},
      {"read_idx", [](const std::string& p) { tg::data::read_idx(p); }},
  };
}

/// Runs `read` on `path` on another thread and returns its IoError message. If it has not
/// returned after 10 s it is blocked (on a FIFO, say): opening the FIFO's write end and
/// closing it again releases it, and the test fails.
std::string message_without_blocking(const Reader& read, const std::string& path) {
  auto done = std::async(std::launch::async,
                         [&] { return tgtest::error_message<tg::IoError>([&] { read(path); }); });
  if (done.wait_for(std::chrono::seconds(10)) == std::future_status::timeout) {
    ADD_FAILURE() << path << ": the reader blocked";
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
  return done.get();
}

void expect_refused(const std::string& path, const std::vector<std::string>& needles) {
  for (const auto& [name, read] : readers()) {
    const std::string msg = message_without_blocking(read, path);
    EXPECT_NE(msg.find(path), std::string::npos) << name << ": " << msg;
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << name << ": " << msg;
  }
}

TEST(BadFiles, ADirectoryIsRefusedAsADirectory) {
  tgtest::TempDir dir;
  expect_refused(dir.path().string(), {"is a directory"});
}

TEST(BadFiles, AFifoIsRefusedWithoutBlocking) {
  tgtest::TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_refused(fifo, {"not a regular file", "FIFO"});
}

TEST(BadFiles, ACharacterDeviceIsRefusedWithoutReadingIt) {
  expect_refused("/dev/zero", {"not a regular file", "character device"});
  expect_refused("/dev/null", {"not a regular file", "character device"});
}

TEST(BadFiles, AMissingFileSaysSo) {
  tgtest::TempDir dir;
  expect_refused(dir.file("absent.npz"), {"cannot open", "No such file or directory"});
}

TEST(BadFiles, AFileLargerThanPhysicalMemoryIsRefusedBeforeAllocating) {
  tgtest::TempDir dir;
  const std::string huge = dir.file("huge.npz");
  const int fd = ::open(huge.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  // Sparse: no disk blocks are written, only the size is set.
  const auto size = static_cast<off_t>(tg::max_allocation_bytes() + 1);
  const bool sized = ::ftruncate(fd, size) == 0;
  ::close(fd);
  ASSERT_TRUE(sized);
  expect_refused(huge, {fmt::format("is {} bytes", size), "physical memory"});
}

TEST(BadFiles, TheFashionMnistLoaderPassesOnTheRealReason) {
  tgtest::TempDir dir;
  const std::string images = dir.file("train-images-idx3-ubyte.gz");
  const std::string labels = dir.file("train-labels-idx1-ubyte.gz");
  const Reader load = [](const std::string& d) { tg::data::load_fashion_mnist(true, d); };
  std::filesystem::create_directory(images);
  ASSERT_EQ(::mkfifo(labels.c_str(), 0600), 0);
  const std::string dir_msg = message_without_blocking(load, dir.path().string());
  EXPECT_NE(dir_msg.find(images + ": is a directory"), std::string::npos) << dir_msg;
  std::filesystem::remove(images);
  ASSERT_EQ(::mkfifo(images.c_str(), 0600), 0);
  const std::string fifo_msg = message_without_blocking(load, dir.path().string());
  EXPECT_NE(fifo_msg.find(images + ": not a regular file (a FIFO)"), std::string::npos) << fifo_msg;
}

}  // namespace
