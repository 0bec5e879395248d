// Checkpoints survive a kill (Note [Safe checkpoint writes] in nn/include/tapegrad/nn/npz.hpp):
// a child process saves a 4 MiB checkpoint in a loop and, once it has completed one save,
// is SIGKILLed after a delay drawn from a fixed seed (kKills times); after each kill the file loads
// and is byte-identical to the last save that completed. Also: two processes saving to one path
// leave one whole checkpoint, and a file of another format version is refused naming both versions.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "checks.hpp"
#include "numbered_checkpoint.hpp"
#include "tapegrad/nn/npz.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A running checkpoint_saver whose stdout (the iterations it completed) is a pipe.
class Saver {
 public:
  Saver(const std::string& path, int64_t first, int64_t count) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    const std::string first_s = std::to_string(first), count_s = std::to_string(count);
    char* argv[] = {const_cast<char*>(TG_CHECKPOINT_SAVER_EXE), const_cast<char*>(path.c_str()),
                    const_cast<char*>(first_s.c_str()), const_cast<char*>(count_s.c_str()),
                    nullptr};
    const int rc = posix_spawn(&pid_, TG_CHECKPOINT_SAVER_EXE, &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
    if (rc != 0) throw std::runtime_error(fmt::format("posix_spawn failed: {}", rc));
    spawned_ = pid_;
  }
  ~Saver() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }
  Saver(const Saver&) = delete;
  Saver& operator=(const Saver&) = delete;

  /// Waits for the process to end (after a kill, or on its own) and returns its wait status.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  void kill() const { ::kill(pid_, SIGKILL); }
  pid_t spawned() const { return spawned_; }
  /// Blocks until the process reports one more completed save (or ends); returns whether it did.
  bool await_report() {
    const std::size_t lines = count_lines();
    while (count_lines() == lines)
      if (!read_some()) return false;
    return true;
  }
  /// Every iteration it reported complete; after wait() this reads to the end of its output.
  std::vector<int64_t> completed() {
    while (pid_ < 0 && read_some()) {
    }
    std::vector<int64_t> out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text_.find('\n', start)) != std::string::npos; start = nl + 1)
      out.push_back(std::stoll(text_.substr(start, nl - start)));
    return out;
  }

 private:
  bool read_some() {
    char buf[4096];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n > 0) text_.append(buf, static_cast<std::size_t>(n));
    return n > 0;
  }
  std::size_t count_lines() const {
    return static_cast<std::size_t>(std::count(text_.begin(), text_.end(), '\n'));
  }

  std::string text_;
  pid_t pid_ = -1;  ///< -1 once waited for
  pid_t spawned_ = -1;
  int out_ = -1;
};

/// The bytes a save of `iteration` writes.
std::string reference_bytes(int64_t iteration, const tgtest::TempDir& scratch) {
  tgtest::NumberedCheckpoint c;
  c.set(iteration);
  c.save(scratch.file("reference.npz"));
  return bytes_of(scratch.file("reference.npz"));
}

/// Files beside model.npz (temporaries, "model.npz.tmp-<pid>-XXXXXX"), or only those of
/// process `pid` if given.
std::vector<std::string> stray_temporaries(const tgtest::TempDir& dir, pid_t pid = -1) {
  std::vector<std::string> out;
  const std::string own = fmt::format("model.npz.tmp-{}-", pid);
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string name = e.path().filename();
    if (name != "model.npz" && (pid < 0 || name.starts_with(own))) out.push_back(name);
  }
  return out;
}

TEST(CheckpointKill, AfterEachOfFiftyKillsTheLastCompletedSaveLoadsByteForByte) {
  constexpr int kKills = 50;
  tgtest::TempDir dir, scratch;
  const std::string path = dir.file("model.npz");
  tgtest::NumberedCheckpoint reader;
  reader.set(0);
  reader.save(path);
  int64_t last = 0;  // the last save known to have completed
  int mid_save = 0;  // kills that left their temporary behind: they hit a save in progress
  std::mt19937_64 rng(16);
  std::uniform_real_distribution<double> moment(0.0, 1.0);
  for (int kill = 0; kill < kKills; ++kill) {
    Saver saver(path, last + 1, -1);
    ASSERT_TRUE(saver.await_report()) << "the saver ended before its first save";
    // The kill moment is a fixed-seed fraction of one measured save cycle (the time between
    // two reports), so it falls inside a save as often in a sanitizer build, where a cycle
    // is several times longer, as in Release.
    const auto cycle_start = std::chrono::steady_clock::now();
    ASSERT_TRUE(saver.await_report()) << "the saver ended before its second save";
    const auto cycle = std::chrono::steady_clock::now() - cycle_start;
    std::this_thread::sleep_for(
        std::chrono::duration_cast<std::chrono::microseconds>(cycle * moment(rng)));
    saver.kill();
    const int status = saver.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    const std::vector<int64_t> done = saver.completed();
    if (!done.empty()) last = done.back();
    mid_save += !stray_temporaries(dir, saver.spawned()).empty();
    // The save after `last` may have renamed its file but died before reporting it.
    const int64_t held = reader.load(path);
    ASSERT_TRUE(held == last || held == last + 1)
        << "kill " << kill << ": file holds " << held << ", last completed " << last;
    ASSERT_EQ(bytes_of(path), reference_bytes(held, scratch)) << "kill " << kill;
    last = held;
  }
  std::printf("[ kill test ] %d kills, %d during a save, %lld saves completed\n", kKills, mid_save,
              static_cast<long long>(last));
  EXPECT_GE(last, 2 * kKills);  // each saver completed two saves before its kill moment
  // Writing the file is most of a cycle, so most kills land mid-save; none at all would
  // mean the test no longer reaches a save in progress.
  EXPECT_GT(mid_save, 0);
  // The next save removes the temporaries the killed savers left.
  reader.set(last + 1);
  reader.save(path);
  EXPECT_TRUE(stray_temporaries(dir).empty()) << stray_temporaries(dir).front();
}

TEST(CheckpointKill, TwoProcessesSavingToOnePathLeaveOneWholeCheckpoint) {
  constexpr int64_t kSaves = 15, kFirstA = 1000, kFirstB = 2000;
  tgtest::TempDir dir, scratch;
  const std::string path = dir.file("model.npz");
  Saver a(path, kFirstA, kSaves), b(path, kFirstB, kSaves);
  const int status_a = a.wait(), status_b = b.wait();
  ASSERT_TRUE(WIFEXITED(status_a) && WEXITSTATUS(status_a) == 0);
  ASSERT_TRUE(WIFEXITED(status_b) && WEXITSTATUS(status_b) == 0);
  EXPECT_EQ(a.completed().size(), kSaves);
  EXPECT_EQ(b.completed().size(), kSaves);
  // The last rename wins, and it is the final save of whichever process renamed last.
  tgtest::NumberedCheckpoint reader;
  const int64_t held = reader.load(path);
  EXPECT_TRUE(held == kFirstA + kSaves - 1 || held == kFirstB + kSaves - 1) << held;
  EXPECT_EQ(bytes_of(path), reference_bytes(held, scratch));
  EXPECT_TRUE(stray_temporaries(dir).empty());
}

TEST(CheckpointVersion, AFileOfAnotherFormatVersionIsRefusedNamingBothVersions) {
  tgtest::TempDir dir;
  const std::string path = dir.file("model.npz");
  tgtest::NumberedCheckpoint checkpoint;
  checkpoint.set(3);
  checkpoint.save(path);
  std::string bytes = bytes_of(path);
  const std::string current = fmt::format("format {}", tg::nn::kCheckpointFormatVersion);
  ASSERT_TRUE(bytes.ends_with(current));
  bytes.replace(bytes.size() - current.size(), current.size(), "format 7");
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_TRUE(tgtest::throws<tg::IoError>(
      [&] { checkpoint.load(path); },
      {path, "checkpoint format version 7 is not supported", "reads version 1"}));
}

}  // namespace
