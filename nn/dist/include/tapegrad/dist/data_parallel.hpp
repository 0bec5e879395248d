// DataParallel: data-parallel training of an nn::Module over the ranks of an mpirun job, in
// the manner of PyTorch's DistributedDataParallel. Each rank runs the same module on its own
// share of the batch; gradients are averaged over ranks, so after the optimiser step every
// rank holds the parameters one process would have computed on the whole batch.
//
//   auto net = std::make_shared<tg::nn::Mlp>(...);
//   tg::dist::DataParallel ddp(net);              // rank 0's parameters on every rank
//   for (...) {
//     net->zero_grad();
//     tg::Tensor loss = loss_of(ddp(x_shard));   // mean over this rank's share
//     loss.backward();                           // all-reduces start during backward
//     ddp.synchronize_gradients();               // waits; .grad() is the mean over ranks
//     opt.step();
//   }
//
// Note [Gradient buckets]: gradients are summed in buckets of about bucket_bytes, laid out
// in reverse registration order (the last layer's gradients are the first backward
// finishes). A hook on each parameter's accumulation (leaf_hooks.hpp) copies its gradient
// into its bucket; when a bucket is full it is started with a non-blocking all-reduce, so
// communication overlaps the rest of backward. Buckets start strictly in layout order, and
// the layout is checked to be the same on every rank at construction: MPI matches
// collectives by the order in which they are called, and a rank that started bucket 2
// before bucket 1 would pair the wrong buffers (a hang or silent corruption in other
// frameworks). The sum over p ranks is divided by p at the end. In a world of one rank
// nothing is copied or sent: the mean over one rank is its own gradient.
//
// Note [Penalties stay local]: only accumulations into `.grad()` are all-reduced, and only
// backward() accumulates. The inner tg::grad(..., create_graph = true) of a gradient
// penalty returns its gradients and touches no `.grad()`, so it is never all-reduced: each
// rank's penalty is a function of its own samples, as it is in one process over the whole
// batch. The outer backward of (loss + λ·penalty) accumulates once per parameter, and that
// sum is what is averaged. Call backward once per step between synchronize_gradients()
// calls (sum the terms first); a second accumulation into a parameter whose bucket has
// already started is a DistError, not a silently dropped gradient.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tapegrad/nn/module.hpp"

namespace tg::dist {

struct DataParallelOptions {
  /// The gradient bytes summed by one all-reduce (a larger parameter gets a bucket alone).
  std::size_t bucket_bytes = 25u << 20;
};

class DataParallel {
 public:
  /// Broadcasts rank 0's parameters and buffers to every rank, lays out the buckets,
  /// checks that every rank has the same layout (DistError otherwise) and hooks the
  /// parameters. Collective: every rank constructs it at the same point.
  explicit DataParallel(std::shared_ptr<nn::Module> module,
                        const DataParallelOptions& options = {});
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  Tensor operator()(const Tensor& x) { return module_->forward(x); }
  nn::Module& module() { return *module_; }

  /// Ends the step's gradient exchange: starts, in order, the buckets backward did not
  /// fill (a parameter backward did not reach contributes zeros), waits for every bucket
  /// (TimeoutError past tg::dist::timeout()) and sets each parameter's `.grad()` to the mean
  /// over ranks. Collective; call it once per step after backward, before the optimiser.
  void synchronize_gradients();

  /// The layout: each bucket's parameter names, in all-reduce order.
  std::vector<std::vector<std::string>> bucket_names() const;
  /// The buckets backward started by itself in the last step, in the order it started them
  /// (the rest were started by synchronize_gradients()).
  const std::vector<std::size_t>& started_during_backward() const;

 private:
  struct State;
  std::shared_ptr<nn::Module> module_;
  std::unique_ptr<State> state_;
};

}  // namespace tg::dist
