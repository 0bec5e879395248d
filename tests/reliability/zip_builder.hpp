// Builds a zip archive with one stored member, as numpy.savez writes it, with a correct
// CRC: used by the fuzz regressions and by fuzz_npy, so that .npy bytes reach the .npy
// parser instead of stopping at the zip layer's CRC check.
#pragma once
#include <zlib.h>

#include <cstdint>
#include <string>

namespace tgtest {

inline void put16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>((v >> 8) & 0xff));
}
inline void put32(std::string& s, uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}

/// A version-1 .npy file with `header` as its (unpadded) header dictionary.
inline std::string npy(const std::string& header, const std::string& data = "") {
  std::string out = "\x93NUMPY\x01";
  out.push_back('\0');
  put16(out, static_cast<uint32_t>(header.size() + 1));
  return out + header + "\n" + data;
}

/// A zip archive with one stored member `name` holding `payload`, as numpy.savez writes.
inline std::string zip_stored(const std::string& name, const std::string& payload) {
  const auto crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())));
  const auto size = static_cast<uint32_t>(payload.size());
  const auto name_len = static_cast<uint32_t>(name.size());
  std::string local;
  put32(local, 0x04034b50);
  put16(local, 20);  // version needed
  put16(local, 0);   // flags
  put16(local, 0);   // method: stored
  put32(local, 0);   // time, date
  put32(local, crc);
  put32(local, size);
  put32(local, size);
  put16(local, name_len);
  put16(local, 0);  // extra
  local += name + payload;
  std::string central;
  put32(central, 0x02014b50);
  put16(central, 20);  // made by
  put16(central, 20);  // needed
  put16(central, 0);
  put16(central, 0);
  put32(central, 0);
  put32(central, crc);
  put32(central, size);
  put32(central, size);
  put16(central, name_len);
  put16(central, 0);  // extra
  put16(central, 0);  // comment
  put16(central, 0);  // disk
  put16(central, 0);  // internal attributes
  put32(central, 0);  // external attributes
  put32(central, 0);  // local header offset
  central += name;
  std::string end;
  put32(end, 0x06054b50);
  put32(end, 0);  // disk numbers
  put16(end, 1);
  put16(end, 1);
  put32(end, static_cast<uint32_t>(central.size()));
  put32(end, static_cast<uint32_t>(local.size()));
  put16(end, 0);
  return local + central + end;
}

}  // namespace tgtest
