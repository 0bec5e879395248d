// Reading .npz files through libzip. The file is opened and checked as Note [Opening
// outside data] in read_file.hpp says, then handed to libzip, which parses the zip
// directory (zip64 included), checks every local header against its central entry
// (ZIP_CHECKCONS) and each member's CRC. Every member size is checked here against the
// file's size before anything is allocated for it (Note [Safe checkpoint writes] in
// npz.hpp), and a member's values are read straight into the tensor's storage.
#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "npy.hpp"
#include "npz_format.hpp"
#include "read_file.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/storage.hpp"
#include "tapegrad/nn/npz.hpp"

namespace tg::nn {

namespace {

/// The smallest zip archive: an end-of-central-directory record alone.
constexpr uint64_t kSmallestZipBytes = 22;
/// Deflate expands at most ~1032:1; a member claiming more is corrupt.
constexpr uint64_t kMaxDeflateRatio = 1032;

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw IoError(fmt::format("load {}: {} (truncated or corrupt .npz?)", path, why));
}

struct Discard {
  void operator()(zip_t* archive) const { zip_discard(archive); }
  void operator()(zip_file_t* member) const { zip_fclose(member); }
};
using Archive = std::unique_ptr<zip_t, Discard>;
using MemberStream = std::unique_ptr<zip_file_t, Discard>;

/// Opens `path` as a zip archive; `file_size` is set to its size in bytes.
Archive open_archive(const std::string& path, uint64_t& file_size) {
  detail::RegularFile file(path, "load");
  file_size = file.size();
  if (file.size() < kSmallestZipBytes)
    fail(path, fmt::format("only {} bytes, fewer than the smallest zip archive ({})", file.size(),
                           kSmallestZipBytes));
  std::FILE* stream = ::fdopen(file.fd(), "rb");
  if (!stream) throw IoError(fmt::format("load {}: cannot open: {}", path, std::strerror(errno)));
  file.release();  // the stream owns the descriptor now
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_filep_create(stream, 0, -1, &error);
  zip_t* archive =
      source ? zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error) : nullptr;
  if (!archive) {
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (source)
      zip_source_free(source);  // closes the stream
    else
      std::fclose(stream);
    fail(path, "not a readable zip archive: " + why);
  }
  zip_error_fini(&error);
  return Archive(archive);
}

/// Refuses a file whose archive comment names another checkpoint format version (Note
/// [Checkpoint format version] in npz.hpp).
void check_version(const std::string& path, zip_t* archive) {
  int length = 0;
  const char* text = zip_get_archive_comment(archive, &length, ZIP_FL_ENC_RAW);
  if (!text) return;
  const std::string_view comment(text, static_cast<std::size_t>(length));
  if (!comment.starts_with(npz::kVersionComment)) return;  // a plain .npz (numpy's)
  const std::string version(comment.substr(npz::kVersionComment.size()));
  if (version != std::to_string(kCheckpointFormatVersion))
    throw IoError(fmt::format(
        "load {}: checkpoint format version {} is not supported: this tapegrad reads version {}",
        path, version.substr(0, 20), kCheckpointFormatVersion));
}

/// One member of an open archive, read as a .npy file.
class Member {
 public:
  Member(const std::string& path, zip_t* archive, zip_uint64_t index, uint64_t file_size)
      : path_(path) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive, index, 0, &st) != 0)
      fail(path, fmt::format("member {}: {}", index, zip_strerror(archive)));
    name_ = (st.valid & ZIP_STAT_NAME) ? st.name : fmt::format("#{}", index);
    constexpr zip_uint64_t kNeeded =
        ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
    if ((st.valid & kNeeded) != kNeeded)
      refuse("its zip entry lacks the sizes or the compression method");
    if (st.encryption_method != ZIP_EM_NONE) refuse("encrypted, which .npz files are not");
    size_ = st.size;
    if (st.comp_size > file_size)
      refuse(fmt::format("claims {} compressed bytes in a {}-byte file", st.comp_size, file_size));
    if (st.comp_method == ZIP_CM_STORE) {
      if (st.comp_size != size_)
        refuse(fmt::format("stored, but records {} compressed bytes for {}", st.comp_size, size_));
    } else if (st.comp_method == ZIP_CM_DEFLATE) {
      if (size_ / kMaxDeflateRatio > st.comp_size)
        refuse(fmt::format("claims {} bytes inflated from {} (deflate expands at most {}:1)", size_,
                           st.comp_size, kMaxDeflateRatio));
    } else {
      refuse(fmt::format("unsupported compression method {} (expected stored or deflated)",
                         st.comp_method));
    }
    if (size_ > max_allocation_bytes())
      refuse(fmt::format("{} bytes, more than this machine's physical memory ({} bytes)", size_,
                         max_allocation_bytes()));
    stream_.reset(zip_fopen_index(archive, index, 0));
    if (!stream_) refuse(zip_strerror(archive));
  }

  /// The tensor name: the member name without ".npy".
  std::string tensor_name() const {
    return name_.size() > 4 && name_.ends_with(".npy") ? name_.substr(0, name_.size() - 4) : name_;
  }

  Tensor read_npy() {
    std::vector<unsigned char> head(std::min<uint64_t>(size_, npy::kMaxHeaderBytes));
    read_exactly(head.data(), head.size());
    const npy::Layout layout = npy::parse_header(
        head.data(), head.size(), size_, fmt::format("load {}: member {}", path_, tensor_name()));
    Tensor t = empty(layout.shape, layout.dtype);
    auto* values = static_cast<unsigned char*>(t.impl()->data());
    const std::size_t in_head = std::min(head.size() - layout.data_offset, t.nbytes());
    std::memcpy(values, head.data() + layout.data_offset, in_head);
    read_exactly(values + in_head, t.nbytes() - in_head);
    // Reading past the recorded size makes libzip compare the CRC and the size.
    unsigned char extra;
    const zip_int64_t n = zip_fread(stream_.get(), &extra, 1);
    if (n < 0) refuse(zip_file_strerror(stream_.get()));
    if (n > 0) refuse(fmt::format("more data than its recorded {} bytes", size_));
    return t;
  }

 private:
  [[noreturn]] void refuse(const std::string& why) const {
    fail(path_, fmt::format("member {}: {}", name_, why));
  }

  void read_exactly(unsigned char* dst, uint64_t n) {
    for (uint64_t done = 0; done < n;) {
      const zip_int64_t got = zip_fread(stream_.get(), dst + done, n - done);
      if (got < 0) refuse(zip_file_strerror(stream_.get()));
      if (got == 0) refuse(fmt::format("ends after {} of its {} bytes", done, n));
      done += static_cast<uint64_t>(got);
    }
  }

  const std::string& path_;
  std::string name_;
  uint64_t size_ = 0;
  MemberStream stream_;
};

}  // namespace

NamedTensors read_npz(const std::string& path) {
  uint64_t file_size = 0;
  const Archive archive = open_archive(path, file_size);
  check_version(path, archive.get());
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  NamedTensors out;
  for (zip_int64_t i = 0; i < entries; ++i) {
    Member member(path, archive.get(), static_cast<zip_uint64_t>(i), file_size);
    out.emplace_back(member.tensor_name(), member.read_npy());
  }
  return out;
}

}  // namespace tg::nn
