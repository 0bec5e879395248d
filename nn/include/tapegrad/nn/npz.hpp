// .npz archives of named tensors, readable and writable by numpy (numpy.load,
// numpy.savez): a zip of "<name>.npy" members, written stored (uncompressed). Reading
// also accepts deflated members (numpy.savez_compressed). The zip layer is libzip
// (Debian libzip-dev); archives use zip64 where a member or an offset passes 4 GiB or
// there are more than 65535 members, as numpy's do, both ways.
//
// Note [Safe checkpoint writes]: write_npz writes a temporary file beside `path`, flushes
// and syncs it, then renames it over `path`; if anything fails, the temporary file is
// removed and `path` is left as it was. Every size read from a file (zip directory,
// .npy header, shape) is checked against the bytes actually present before anything is
// allocated from it, so a truncated or corrupt file raises tg::IoError, never a crash.
// The temporary file is named "<path>.tmp-<pid>-XXXXXX"; a save first removes the ones
// whose process no longer runs (left by a writer that was killed), and a load never looks
// at them. Two processes saving to the same path at once each rename a complete file, so
// the last rename wins and the checkpoint is always one of them, whole.
//
// Note [Checkpoint format version]: write_npz records kCheckpointFormatVersion in the zip
// archive comment ("tapegrad checkpoint format 1"), which numpy ignores. read_npz refuses
// a file that names another version, with both versions in the message; a file without
// that comment (written by numpy) is read as a plain .npz.
#pragma once
#include <cstdint>
#include <string>

#include "tapegrad/nn/module.hpp"

namespace tg::nn {

/// The checkpoint format this build writes and reads (Note [Checkpoint format version]).
inline constexpr int kCheckpointFormatVersion = 1;

/// Writes `tensors` (float32, float64 or int64, any rank) to `path`; throws tg::IoError.
void write_npz(const std::string& path, const NamedTensors& tensors);
/// Reads every member of an .npz file, in archive order; throws tg::IoError on a missing,
/// truncated or corrupt file or an unsupported dtype (only '<f4', '<f8' and '<i8').
NamedTensors read_npz(const std::string& path);

namespace testing {
/// Test hook: when >= 0, writes fail (as if the disk were full) once this many bytes
/// have been written to a checkpoint. -1 (the default) turns it off.
void fail_writes_after(int64_t bytes);
}  // namespace testing

}  // namespace tg::nn
