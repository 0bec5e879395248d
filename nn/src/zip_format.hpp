// The few pieces of the zip format that .npz files use (private to nn/src).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace tg::nn::zip {

inline constexpr uint32_t kLocalSig = 0x04034b50;
inline constexpr uint32_t kCentralSig = 0x02014b50;
inline constexpr uint32_t kEndSig = 0x06054b50;
inline constexpr std::size_t kLocalHeaderSize = 30;
inline constexpr std::size_t kCentralHeaderSize = 46;
inline constexpr std::size_t kEndSize = 22;
inline constexpr uint16_t kStored = 0;
inline constexpr uint16_t kDeflated = 8;
/// The archive comment write_npz puts in the end record, followed by the format version
/// (tg::nn::kCheckpointFormatVersion); numpy ignores it.
inline constexpr std::string_view kVersionComment = "tapegrad checkpoint format ";

inline void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
inline void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v & 0xffff));
  put16(out, static_cast<uint16_t>(v >> 16));
}
inline uint16_t get16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t get32(const unsigned char* p) {
  return static_cast<uint32_t>(get16(p)) | (static_cast<uint32_t>(get16(p + 2)) << 16);
}

}  // namespace tg::nn::zip
