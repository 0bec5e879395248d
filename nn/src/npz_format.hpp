// What read_npz and write_npz share about the zip container, which libzip reads and
// writes (private to nn/src).
#pragma once
#include <string_view>

namespace tg::nn::npz {

/// The archive comment write_npz puts in the end record, followed by the format version
/// (tg::nn::kCheckpointFormatVersion); numpy ignores it.
inline constexpr std::string_view kVersionComment = "tapegrad checkpoint format ";

}  // namespace tg::nn::npz
