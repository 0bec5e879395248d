#include "tapegrad/dist/data_parallel.hpp"

#include <fmt/format.h>

#include <cstring>

#include "mpi_call.hpp"
#include "tapegrad/autograd/leaf_hooks.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/dist/communicator.hpp"

namespace tg::dist {
namespace {

constexpr std::string_view kOp = "DataParallel";

struct Param {
  std::string name;
  Tensor tensor;
  std::size_t bucket = 0;
  int64_t offset = 0;  ///< elements into the bucket's buffer
  bool ready = false;  ///< its gradient is in the buffer this step
};

struct Bucket {
  Dtype dtype = kFloat32;
  std::vector<std::size_t> params{};
  int64_t numel = 0;
  std::vector<std::byte> buffer{};
  std::size_t waiting = 0;  ///< parameters whose gradient has not arrived this step
  MPI_Request request = MPI_REQUEST_NULL;
};

/// FNV-1a over the layout: names, shapes, dtypes and bucket boundaries.
struct Fingerprint {
  uint64_t h = 1469598103934665603ull;
  void add(const void* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      h ^= static_cast<const unsigned char*>(p)[i];
      h *= 1099511628211ull;
    }
  }
  void add(int64_t v) { add(&v, sizeof v); }
};

std::string megabytes(std::size_t bytes) {
  return fmt::format("{:.2f} MB", static_cast<double>(bytes) / 1e6);
}

}  // namespace

struct DataParallel::State {
  std::vector<Param> params;
  std::vector<Bucket> buckets;
  std::size_t next_to_start = 0;
  std::vector<std::size_t> started_now, started_last_step;
  std::vector<LeafHook> hooks;

  /// Sums still in flight (destroyed mid-step) keep their buffers alive elsewhere (Note
  /// [Abandoned collectives]).
  ~State() {
    std::size_t in_flight = 0;
    for (Bucket& b : buckets)
      if (b.request != MPI_REQUEST_NULL) {
        detail::abandon(b.request, std::move(b.buffer));
        ++in_flight;
      }
    if (in_flight > 0)
      fmt::print(stderr,
                 "tg::dist: rank {} of {}: DataParallel destroyed with {} all-reduces in flight "
                 "(no synchronize_gradients() after backward); their buffers are kept until "
                 "they complete\n",
                 rank(), world_size(), in_flight);
  }

  void lay_out(const nn::Module& module, std::size_t bucket_bytes) {
    const nn::NamedTensors named = module.named_parameters();
    for (auto it = named.rbegin(); it != named.rend(); ++it) {  // Note [Gradient buckets]
      const Tensor& t = it->second;
      const std::size_t bytes = t.nbytes();
      const bool fits =
          !buckets.empty() && buckets.back().dtype == t.dtype() &&
          (static_cast<std::size_t>(buckets.back().numel) * itemsize(t.dtype()) + bytes <=
           bucket_bytes);
      if (!fits) {
        buckets.emplace_back();
        buckets.back().dtype = t.dtype();
      }
      Bucket& b = buckets.back();
      params.push_back(
          Param{.name = it->first, .tensor = t, .bucket = buckets.size() - 1, .offset = b.numel});
      b.params.push_back(params.size() - 1);
      b.numel += t.numel();
    }
    for (Bucket& b : buckets) {
      if (world_size() > 1) b.buffer.resize(static_cast<std::size_t>(b.numel) * itemsize(b.dtype));
      b.waiting = b.params.size();
    }
  }

  /// Every rank's layout must be this one (Note [Gradient buckets]).
  void check_layout_everywhere() const {
    Fingerprint f;
    for (const Param& p : params) {
      f.add(p.name.data(), p.name.size());
      f.add(static_cast<int64_t>(p.tensor.dtype()));
      for (int i = 0; i < p.tensor.dim(); ++i) f.add(p.tensor.shape()[i]);
      f.add(static_cast<int64_t>(p.bucket));
    }
    const std::vector<int64_t> mine = {static_cast<int64_t>(f.h),
                                       static_cast<int64_t>(params.size()),
                                       static_cast<int64_t>(buckets.size())};
    const std::vector<int64_t> all = detail::all_gather(mine, kOp, "the layout check");
    std::string ranks;
    bool same = true;
    for (int r = 0; r < world_size(); ++r) {
      const int64_t* theirs = all.data() + 3 * r;
      same = same && theirs[0] == mine[0];
      ranks += fmt::format("{}rank {}: {} parameters in {} buckets, fingerprint {:016x}",
                           r == 0 ? "" : "; ", r, theirs[1], theirs[2],
                           static_cast<uint64_t>(theirs[0]));
    }
    if (!same)
      throw DistError(fmt::format(
          "{}: the parameters (names, shapes, dtypes) or the bucket size differ between ranks "
          "({}); every rank must wrap the same module with the same options",
          kOp, ranks));
  }

  void start(std::size_t i) {
    Bucket& b = buckets[i];
    detail::check(MPI_Iallreduce(MPI_IN_PLACE, b.buffer.data(), static_cast<int>(b.numel),
                                 detail::mpi_type(b.dtype), MPI_SUM, MPI_COMM_WORLD, &b.request),
                  kOp, "MPI_Iallreduce");
  }

  /// Where parameter `p`'s gradient goes in its bucket's buffer.
  std::byte* slot(const Param& p) {
    Bucket& b = buckets[p.bucket];
    return b.buffer.data() + static_cast<std::size_t>(p.offset) * itemsize(b.dtype);
  }

  /// Lets MPI move the started sums along while backward goes on.
  void progress() {
    for (Bucket& b : buckets)
      if (b.request != MPI_REQUEST_NULL) {
        int done = 0;
        detail::check(MPI_Test(&b.request, &done, MPI_STATUS_IGNORE), kOp, "MPI_Test");
      }
  }

  void on_gradient(std::size_t i) {
    Param& p = params[i];
    if (p.ready)
      throw DistError(fmt::format(
          "{}: parameter '{}' accumulated a second gradient before synchronize_gradients(): "
          "its first is already in the all-reduce. Call backward once per step (sum the "
          "losses first), then synchronize_gradients() (Note [Penalties stay local])",
          kOp, p.name));
    p.ready = true;
    if (world_size() == 1) return;  // the mean over one rank is its own gradient
    const Tensor g = p.tensor.grad();
    std::memcpy(slot(p), g.impl()->data(), g.nbytes());
    --buckets[p.bucket].waiting;
    while (next_to_start < buckets.size() && buckets[next_to_start].waiting == 0) {
      start(next_to_start);
      started_now.push_back(next_to_start++);
    }
    progress();
  }
};

DataParallel::DataParallel(std::shared_ptr<nn::Module> module, const DataParallelOptions& options)
    : module_(std::move(module)), state_(std::make_unique<State>()) {
  if (!module_) throw ValueError(fmt::format("{}: the module is null", kOp));
  if (!initialized())
    throw DistError(fmt::format(
        "{}: tg::dist is not initialised; create a tg::dist::Environment at the start of main",
        kOp));
  if (options.bucket_bytes == 0)
    throw ValueError(fmt::format("{}: bucket_bytes must be positive", kOp));
  state_->lay_out(*module_, options.bucket_bytes);
  state_->check_layout_everywhere();
  for (auto& [name, t] : module_->state()) {
    Tensor handle = t;
    broadcast(handle, 0);
  }
  for (std::size_t i = 0; i < state_->params.size(); ++i)
    state_->hooks.push_back(on_gradient_accumulated(
        state_->params[i].tensor, [s = state_.get(), i](const Tensor&) { s->on_gradient(i); }));
}

DataParallel::~DataParallel() = default;

void DataParallel::synchronize_gradients() {
  State& s = *state_;
  if (world_size() == 1) {
    for (Param& p : s.params) p.ready = false;
    return;
  }
  // Parameters backward did not reach contribute their .grad() as it stands (zeros if it
  // has none); `has_grad` counts the ranks where it had one, so a parameter no rank
  // reached keeps no gradient, as in one process.
  Tensor has_grad = zeros({static_cast<int64_t>(s.params.size())}, kInt64);
  int64_t* counts = has_grad.data<int64_t>();
  for (std::size_t i = 0; i < s.params.size(); ++i) {
    Param& p = s.params[i];
    const Tensor g = p.tensor.grad();
    counts[i] = g.defined() ? 1 : 0;
    if (p.ready) continue;
    std::byte* at = s.slot(p);
    if (g.defined())
      std::memcpy(at, g.impl()->data(), g.nbytes());
    else
      std::memset(at, 0, p.tensor.nbytes());
  }
  for (std::size_t i = s.next_to_start; i < s.buckets.size(); ++i) s.start(i);
  MPI_Request flags_request;
  detail::check(MPI_Iallreduce(MPI_IN_PLACE, counts, static_cast<int>(s.params.size()), MPI_INT64_T,
                               MPI_SUM, MPI_COMM_WORLD, &flags_request),
                kOp, "MPI_Iallreduce");
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    Bucket& b = s.buckets[i];
    detail::wait(b.request, kOp, [&] {
      return fmt::format("the all-reduce of bucket {} of {} ({} parameters, {})", i,
                         s.buckets.size(), b.params.size(), megabytes(b.buffer.size()));
    });
  }
  detail::wait(flags_request, kOp, "the all-reduce of which parameters have gradients");

  const int ranks = world_size();
  for (std::size_t i = 0; i < s.params.size(); ++i) {
    Param& param = s.params[i];
    if (counts[i] > 0) {
      const Bucket& b = s.buckets[param.bucket];
      Tensor mean = empty(param.tensor.shape(), b.dtype);
      visit_dtype(b.dtype, [&]<class T>() {
        const T* __restrict sum = reinterpret_cast<const T*>(b.buffer.data()) + param.offset;
        T* __restrict out = mean.data<T>();
        const int64_t n = mean.numel();  // hoisted: numel() is out of line
        const T divisor = static_cast<T>(ranks);
        for (int64_t k = 0; k < n; ++k) out[k] = sum[k] / divisor;
      });
      param.tensor.set_grad(mean);
    }
    param.ready = false;
  }
  for (Bucket& b : s.buckets) b.waiting = b.params.size();
  s.next_to_start = 0;
  s.started_last_step = std::move(s.started_now);
  s.started_now.clear();
}

std::vector<std::vector<std::string>> DataParallel::bucket_names() const {
  std::vector<std::vector<std::string>> names;
  for (const Bucket& b : state_->buckets) {
    names.emplace_back();
    for (std::size_t i : b.params) names.back().push_back(state_->params[i].name);
  }
  return names;
}

const std::vector<std::size_t>& DataParallel::started_during_backward() const {
  return state_->started_last_step;
}

}  // namespace tg::dist
