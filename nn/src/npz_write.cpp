// Writing .npz files; see Note [Safe checkpoint writes] in npz.hpp.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "npy.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/nn/npz.hpp"
#include "zip_format.hpp"

namespace tg::nn {

namespace {

std::atomic<int64_t> g_fail_after{-1};
constexpr std::string_view kTmpInfix = ".tmp-";

/// Removes "<path>.tmp-<pid>-XXXXXX" files whose process has gone: temporaries of a save
/// that was killed. Another live process's temporary (a concurrent save) is left alone.
void remove_stray_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const std::string prefix = target.filename().string() + std::string(kTmpInfix);
  std::error_code ec;
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;  // another saver may have removed it first
      fs::remove(it->path(), ignored);
    }
  }
}

/// A temporary file that is removed unless committed by renaming it over the target.
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path) : path_(path) {
    remove_stray_temporaries(path);
    tmp_ = fmt::format("{}{}{}-XXXXXX", path, kTmpInfix, ::getpid());
    const int fd = mkstemp(tmp_.data());
    if (fd < 0)
      throw IoError(fmt::format("save {}: cannot create a temporary file beside it: {}", path,
                                std::strerror(errno)));
    file_ = fdopen(fd, "wb");
    if (!file_) {
      ::close(fd);
      std::remove(tmp_.c_str());
      throw IoError(fmt::format("save {}: cannot open {}", path, tmp_));
    }
  }
  ~AtomicFile() {
    if (file_) std::fclose(file_);
    if (!committed_) std::remove(tmp_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const std::string& bytes) {
    const int64_t limit = g_fail_after.load();
    if (limit >= 0 && written_ + static_cast<int64_t>(bytes.size()) > limit)
      throw IoError(
          fmt::format("save {}: write failed after {} bytes (injected by "
                      "tg::nn::testing::fail_writes_after)",
                      path_, limit));
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
      throw IoError(fmt::format("save {}: write failed after {} bytes: {}", path_, written_,
                                std::strerror(errno)));
    written_ += static_cast<int64_t>(bytes.size());
  }
  int64_t written() const { return written_; }

  void commit() {
    const bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
    const int closed = std::fclose(file_);
    file_ = nullptr;
    if (!ok || closed != 0)
      throw IoError(
          fmt::format("save {}: flushing {} failed: {}", path_, tmp_, std::strerror(errno)));
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec)
      throw IoError(fmt::format("save {}: renaming {} failed: {}", path_, tmp_, ec.message()));
    committed_ = true;
  }

 private:
  std::string path_;
  std::string tmp_;
  std::FILE* file_ = nullptr;
  int64_t written_ = 0;
  bool committed_ = false;
};

/// The header fields shared by a member's local and central headers, from "version
/// needed" to "extra length".
std::string common_fields(uint32_t crc, uint32_t size, uint16_t name_len) {
  std::string out;
  zip::put16(out, 20);  // version needed: 2.0
  zip::put16(out, 0);   // flags
  zip::put16(out, zip::kStored);
  zip::put16(out, 0);     // time 00:00
  zip::put16(out, 0x21);  // date 1980-01-01
  zip::put32(out, crc);
  zip::put32(out, size);  // compressed
  zip::put32(out, size);  // uncompressed
  zip::put16(out, name_len);
  zip::put16(out, 0);  // extra length
  return out;
}

}  // namespace

void testing::fail_writes_after(int64_t bytes) { g_fail_after = bytes; }

void write_npz(const std::string& path, const NamedTensors& tensors) {
  if (tensors.size() > 0xffff)
    throw IoError(
        fmt::format("save {}: {} tensors exceed the zip limit of 65535", path, tensors.size()));
  AtomicFile file(path);
  std::string central;
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) throw IoError(fmt::format("save {}: tensor '{}' is undefined", path, name));
    const std::string member = name + ".npy";
    const std::string data = npy::encode(t);
    if (data.size() > 0xffffffffu || file.written() > 0xfffffff0 || member.size() > 0xffff)
      throw IoError(fmt::format("save {}: '{}' is too large for a zip without zip64", path, name));
    const auto crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    const auto offset = static_cast<uint32_t>(file.written());
    const std::string fields = common_fields(crc, static_cast<uint32_t>(data.size()),
                                             static_cast<uint16_t>(member.size()));
    std::string local;
    zip::put32(local, zip::kLocalSig);
    file.write(local + fields + member);
    file.write(data);
    zip::put32(central, zip::kCentralSig);
    zip::put16(central, 20);  // version made by
    central += fields;
    zip::put16(central, 0);  // comment length
    zip::put16(central, 0);  // disk number
    zip::put16(central, 0);  // internal attributes
    zip::put32(central, 0);  // external attributes
    zip::put32(central, offset);
    central += member;
  }
  std::string end;
  zip::put32(end, zip::kEndSig);
  zip::put16(end, 0);
  zip::put16(end, 0);
  zip::put16(end, static_cast<uint16_t>(tensors.size()));
  zip::put16(end, static_cast<uint16_t>(tensors.size()));
  zip::put32(end, static_cast<uint32_t>(central.size()));
  zip::put32(end, static_cast<uint32_t>(file.written()));
  const std::string comment = fmt::format("{}{}", zip::kVersionComment, kCheckpointFormatVersion);
  zip::put16(end, static_cast<uint16_t>(comment.size()));
  file.write(central + end + comment);
  file.commit();
}

}  // namespace tg::nn
