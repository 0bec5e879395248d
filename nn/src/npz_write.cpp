// Writing .npz files through libzip, into a temporary file that is renamed over the
// target once complete (Note [Safe checkpoint writes] in npz.hpp). Members are stored
// (uncompressed), as numpy.savez writes them; libzip adds zip64 records where a member,
// an offset or the member count passes the 32-bit limits, and computes the CRCs. A
// member's values are handed to libzip straight from the tensor's storage.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>
#include <zip.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "npy.hpp"
#include "npz_format.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/nn/npz.hpp"

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
    // libzip writes in 8 KiB pieces; a larger buffer makes 128 times fewer system calls.
    std::setvbuf(file_, nullptr, _IOFBF, std::size_t{1} << 20);
  }
  ~AtomicFile() {
    if (file_) std::fclose(file_);
    if (!committed_) std::remove(tmp_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* bytes, std::size_t n) {
    const int64_t limit = g_fail_after.load();
    if (limit >= 0 && written_ + static_cast<int64_t>(n) > limit)
      throw IoError(
          fmt::format("save {}: write failed after {} bytes (injected by "
                      "tg::nn::testing::fail_writes_after)",
                      path_, limit));
    if (std::fwrite(bytes, 1, n, file_) != n)
      throw IoError(fmt::format("save {}: write failed after {} bytes: {}", path_, written_,
                                std::strerror(errno)));
    written_ += static_cast<int64_t>(n);
  }
  void seek(int64_t offset, int whence) {
    if (::fseeko(file_, offset, whence) != 0)
      throw IoError(fmt::format("save {}: seek failed: {}", path_, std::strerror(errno)));
  }
  int64_t tell() const { return ::ftello(file_); }

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

/// numpy's .npz of no arrays: an end-of-central-directory record alone, here with the
/// version comment. (libzip writes no file for an archive without members.)
std::string empty_archive(const std::string& comment) {
  std::string end("PK\x05\x06", 4);
  end.append(16, '\0');  // disk numbers, entry counts, directory size and offset: all 0
  end.push_back(static_cast<char>(comment.size() & 0xff));
  end.push_back(static_cast<char>(comment.size() >> 8));
  return end + comment;
}

/// The target libzip writes the archive to: an AtomicFile. An exception from the file
/// cannot cross libzip's C frames, so it is kept and rethrown by write_npz.
class ZipTarget {
 public:
  ZipTarget(AtomicFile& file, const std::string& comment) : file_(file), comment_(comment) {
    zip_error_init(&error_);
  }
  ~ZipTarget() { zip_error_fini(&error_); }
  ZipTarget(const ZipTarget&) = delete;
  ZipTarget& operator=(const ZipTarget&) = delete;

  static zip_int64_t callback(void* self, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    return static_cast<ZipTarget*>(self)->handle(data, len, cmd);
  }
  /// Rethrows the file's exception, if a write failed with one.
  void rethrow_failure() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  zip_int64_t handle(void* data, zip_uint64_t len, zip_source_cmd_t cmd) noexcept {
    try {
      switch (cmd) {
        case ZIP_SOURCE_SUPPORTS:
          return ZIP_SOURCE_SUPPORTS_WRITABLE;
        case ZIP_SOURCE_STAT:  // "no such file": libzip starts a new archive
          zip_error_set(&error_, ZIP_ER_READ, ENOENT);
          return -1;
        case ZIP_SOURCE_ERROR:
          return zip_error_to_data(&error_, data, len);
        case ZIP_SOURCE_BEGIN_WRITE:
        case ZIP_SOURCE_COMMIT_WRITE:    // AtomicFile::commit follows zip_close
        case ZIP_SOURCE_ROLLBACK_WRITE:  // ~AtomicFile removes the temporary file
        case ZIP_SOURCE_FREE:
          return 0;
        case ZIP_SOURCE_WRITE:
          file_.write(data, len);
          return static_cast<zip_int64_t>(len);
        case ZIP_SOURCE_SEEK_WRITE: {
          const auto* args = ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len, &error_);
          if (!args) return -1;
          file_.seek(args->offset, args->whence);
          return 0;
        }
        case ZIP_SOURCE_TELL_WRITE:
          return file_.tell();
        case ZIP_SOURCE_REMOVE: {  // asked for an archive without members
          const std::string bytes = empty_archive(comment_);
          file_.write(bytes.data(), bytes.size());
          return 0;
        }
        default:  // reading: never asked of a new archive
          zip_error_set(&error_, ZIP_ER_OPNOTSUPP, 0);
          return -1;
      }
    } catch (...) {
      failure_ = std::current_exception();
      zip_error_set(&error_, ZIP_ER_WRITE, errno);
      return -1;
    }
  }

  AtomicFile& file_;
  const std::string& comment_;
  zip_error_t error_;
  std::exception_ptr failure_;
};

struct Discard {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};

/// Every member's timestamp: 1980-01-01 00:00 (MS-DOS date and time fields), the earliest
/// a zip can record, so that the same tensors always make the same file.
constexpr zip_uint16_t kDosTime = 0;
constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;

}  // namespace

void testing::fail_writes_after(int64_t bytes) { g_fail_after = bytes; }

void write_npz(const std::string& path, const NamedTensors& tensors) {
  std::vector<std::string> headers;  // each member's .npy header; its values follow it
  headers.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) throw IoError(fmt::format("save {}: tensor '{}' is undefined", path, name));
    headers.push_back(npy::header(t));
  }
  AtomicFile file(path);
  const std::string comment = fmt::format("{}{}", npz::kVersionComment, kCheckpointFormatVersion);
  ZipTarget target(file, comment);
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_function_create(&ZipTarget::callback, &target, &error);
  zip_t* opened = source ? zip_open_from_source(source, ZIP_CREATE, &error) : nullptr;
  if (!opened) {
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (source) zip_source_free(source);
    throw IoError(fmt::format("save {}: libzip cannot start an archive: {}", path, why));
  }
  zip_error_fini(&error);
  std::unique_ptr<zip_t, Discard> archive(opened);
  auto refuse = [&](const std::string& name) {
    throw IoError(fmt::format("save {}: tensor '{}': {}", path, name, zip_strerror(opened)));
  };
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, t] = tensors[i];
    zip_buffer_fragment_t parts[2] = {
        {reinterpret_cast<zip_uint8_t*>(headers[i].data()), headers[i].size()},
        {static_cast<zip_uint8_t*>(t.impl()->data()), t.nbytes()}};
    zip_source_t* member = zip_source_buffer_fragment(opened, parts, t.nbytes() > 0 ? 2 : 1, 0);
    if (!member) refuse(name);
    const zip_int64_t index =
        zip_file_add(opened, (name + ".npy").c_str(), member, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(member);
      refuse(name);
    }
    const auto at = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(opened, at, ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_dostime(opened, at, kDosTime, kDosDate, 0) != 0)
      refuse(name);
  }
  if (zip_set_archive_comment(opened, comment.data(), static_cast<zip_uint16_t>(comment.size())) !=
      0)
    throw IoError(fmt::format("save {}: {}", path, zip_strerror(opened)));
  if (zip_close(opened) != 0) {
    target.rethrow_failure();
    throw IoError(
        fmt::format("save {}: writing the zip archive failed: {}", path, zip_strerror(opened)));
  }
  archive.release();  // zip_close freed it
  file.commit();
}

}  // namespace tg::nn
