// Checkpoints in a data-parallel job: rank 0 writes, every rank reads.
//
//   tg::dist::save(*net, "model.npz");   // rank 0 writes (atomically: temporary file, then
//                                        // rename), the others wait for it
//   tg::dist::load(*net, "model.npz");   // every rank reads; if any rank fails, all throw
//
// Both are collective: every rank calls them at the same point. Files are those of
// tg::nn::save and tg::nn::load (nn/checkpoint.hpp).
#pragma once
#include <string>

#include "tapegrad/nn/module.hpp"
#include "tapegrad/optim/optimizer.hpp"

namespace tg::dist {

/// Rank 0 saves; every rank returns once the file is complete, or throws IoError with rank
/// 0's message if rank 0 could not write it.
void save(const nn::Module& module, const std::string& path);
void save(const optim::Optimizer& optimizer, const std::string& path);
/// Every rank loads; if any rank fails, every rank throws IoError naming the ranks that
/// failed (and the state of those that succeeded is already loaded: load again or stop).
void load(nn::Module& module, const std::string& path);
void load(optim::Optimizer& optimizer, const std::string& path);

}  // namespace tg::dist
