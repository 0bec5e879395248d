#include "tapegrad/dist/communicator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

#include "mpi_call.hpp"
#include "tapegrad/autograd/ops/factory.hpp"

namespace tg::dist {
namespace {

bool g_initialized = false;
int g_rank = 0;
int g_world_size = 1;
std::chrono::milliseconds g_timeout{300'000};
std::terminate_handler g_previous_terminate = nullptr;

std::string where() { return fmt::format("rank {} of {}", g_rank, g_world_size); }

/// Note [Abandoned collectives] (mpi_call.hpp).
struct Abandoned {
  MPI_Request request;
  std::vector<std::byte> buffer;
};
std::vector<Abandoned> g_abandoned;

/// Frees the buffers of the abandoned collectives that have completed.
void reap_abandoned() {
  std::erase_if(g_abandoned, [](Abandoned& a) {
    int done = 0;
    return MPI_Test(&a.request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || done != 0;
  });
}

void require_initialized(std::string_view op) {
  if (!g_initialized)
    throw DistError(fmt::format(
        "{}: tg::dist is not initialised; create a tg::dist::Environment at the start of main",
        op));
}

// Note [Failing ranks], mechanism 1.
[[noreturn]] void abort_job(const std::string& why) {
  std::fprintf(stderr, "tg::dist: %s: %s; aborting every rank\n", where().c_str(), why.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

std::string current_exception_message() {
  try {
    if (auto e = std::current_exception()) std::rethrow_exception(e);
  } catch (const std::exception& e) {
    return fmt::format("uncaught exception: {}", e.what());
  } catch (...) {
    return "uncaught exception of unknown type";
  }
  return "std::terminate called";
}

void on_terminate() { abort_job(current_exception_message()); }

}  // namespace

namespace detail {

void check(int code, std::string_view op, std::string_view call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw DistError(fmt::format("{}: {} failed on {}: {}", op, call, where(),
                              std::string_view(text, static_cast<std::size_t>(length))));
}

// Note [Failing ranks], mechanism 2. MPI_Test also drives Open MPI's progress engine: a
// large all-reduce moves in fragments, each needing a call, so the wait polls without
// sleeping for its first second (a sleep between tests throttled a 10 MB sum to 1 GB/s),
// and only then sleeps between tests, so that a stalled rank does not hold a core.
void wait(MPI_Request& request, std::string_view op, const std::function<std::string()>& what) {
  if (!g_abandoned.empty()) reap_abandoned();
  const auto start = std::chrono::steady_clock::now();
  const auto spin_until = start + std::chrono::seconds(1);
  const auto deadline = start + g_timeout;
  for (;;) {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), op, "MPI_Test");
    if (done) return;
    const auto now = std::chrono::steady_clock::now();
    if (now > deadline)
      throw TimeoutError(fmt::format(
          "{}: {} did not complete within {} ms on {}: another rank failed, stopped, or "
          "called a different collective",
          op, what(), g_timeout.count(), where()));
    if (now > spin_until)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    else
      std::this_thread::yield();
  }
}

void abandon(MPI_Request request, std::vector<std::byte> buffer) {
  if (!g_initialized) {  // MPI is finalised: nothing can wait for it, so the buffer stays
    new std::vector<std::byte>(std::move(buffer));  // deliberately never freed
    return;
  }
  g_abandoned.push_back({request, std::move(buffer)});
}

std::vector<int64_t> all_gather(const std::vector<int64_t>& mine, std::string_view op,
                                std::string_view what) {
  std::vector<int64_t> all(mine.size() * static_cast<std::size_t>(g_world_size));
  MPI_Request request;
  check(MPI_Iallgather(mine.data(), static_cast<int>(mine.size()), MPI_INT64_T, all.data(),
                       static_cast<int>(mine.size()), MPI_INT64_T, MPI_COMM_WORLD, &request),
        op, "MPI_Iallgather");
  wait(request, op, what);
  return all;
}

MPI_Datatype mpi_type(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32:
      return MPI_FLOAT;
    case Dtype::Float64:
      return MPI_DOUBLE;
    case Dtype::Int64:
      return MPI_INT64_T;
  }
  throw DtypeError("tg::dist: unknown dtype");
}

}  // namespace detail

Environment::Environment(int& argc, char**& argv) : uncaught_at_start_(std::uncaught_exceptions()) {
  if (g_initialized) throw DistError("tg::dist::Environment: MPI is already initialised");
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
    throw DistError("tg::dist::Environment: MPI_Init_thread failed");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world_size);
  g_initialized = true;
  if (provided < MPI_THREAD_SERIALIZED)
    abort_job(fmt::format("MPI provides thread level {}, tg::dist needs MPI_THREAD_SERIALIZED ({})",
                          provided, MPI_THREAD_SERIALIZED));
  g_previous_terminate = std::set_terminate(on_terminate);
}

Environment::~Environment() {
  if (std::uncaught_exceptions() > uncaught_at_start_)
    abort_job("an exception is unwinding through tg::dist::Environment");
  std::set_terminate(g_previous_terminate);
  // Note [Abandoned collectives]: finish them first; one another rank never joined is
  // reported and left to MPI_Finalize.
  std::vector<Abandoned> pending = std::move(g_abandoned);  // wait() reaps g_abandoned
  g_abandoned.clear();
  for (Abandoned& a : pending) {
    try {
      detail::wait(a.request, "tg::dist::Environment", "a collective abandoned by its owner");
    } catch (const Error& e) {
      std::fprintf(stderr, "tg::dist: %s\n", e.what());
    }
  }
  g_initialized = false;
  MPI_Finalize();
}

bool initialized() { return g_initialized; }
int rank() { return g_rank; }
int world_size() { return g_world_size; }
std::chrono::milliseconds timeout() { return g_timeout; }
void set_timeout(std::chrono::milliseconds limit) {
  if (limit.count() <= 0)
    throw ValueError(
        fmt::format("tg::dist::set_timeout: expected a positive limit, got {} ms", limit.count()));
  g_timeout = limit;
}

namespace {

/// Every rank's (dtype, shape) of `t`, so a collective can name what disagrees before
/// MPI's behaviour on mismatched counts (a hang or a truncation) is reached.
void check_same_everywhere(const Tensor& t, std::string_view op) {
  require_initialized(op);
  if (!t.defined()) throw DistError(fmt::format("{}: the tensor is undefined", op));
  constexpr int kMaxRank = 8;
  if (t.dim() > kMaxRank)
    throw ShapeError(fmt::format("{}: tensors of up to {} dimensions, got shape {}", op, kMaxRank,
                                 t.shape().str()));
  if (t.numel() > INT_MAX)
    throw ValueError(fmt::format("{}: at most {} elements per call, got shape {}", op, INT_MAX,
                                 t.shape().str()));
  std::vector<int64_t> mine(kMaxRank + 2, -1);
  mine[0] = static_cast<int64_t>(t.dtype());
  mine[1] = t.dim();
  for (int i = 0; i < t.dim(); ++i) mine[static_cast<std::size_t>(i) + 2] = t.shape()[i];
  const std::vector<int64_t> all = detail::all_gather(mine, op, "the shape check");
  if (std::equal(mine.begin(), mine.end(), all.begin()) &&
      std::equal(all.begin(), all.end() - static_cast<std::ptrdiff_t>(mine.size()),
                 all.begin() + static_cast<std::ptrdiff_t>(mine.size())))
    return;
  std::string ranks;
  for (int r = 0; r < g_world_size; ++r) {
    const int64_t* s = all.data() + static_cast<std::size_t>(r) * mine.size();
    Shape shape;
    for (int64_t i = 0; i < s[1]; ++i) shape.push_back(s[i + 2]);
    ranks += fmt::format("{}rank {}: {} {}", r == 0 ? "" : "; ", r, name(static_cast<Dtype>(s[0])),
                         shape.str());
  }
  throw DistError(
      fmt::format("{}: every rank must pass the same dtype and shape, got {}", op, ranks));
}

}  // namespace

void all_reduce_sum(Tensor& t) {
  constexpr std::string_view op = "tg::dist::all_reduce_sum";
  check_same_everywhere(t, op);
  MPI_Request request;
  detail::check(MPI_Iallreduce(MPI_IN_PLACE, t.impl()->data(), static_cast<int>(t.numel()),
                               detail::mpi_type(t.dtype()), MPI_SUM, MPI_COMM_WORLD, &request),
                op, "MPI_Iallreduce");
  detail::wait(request, op,
               [&] { return fmt::format("the sum of a {} {}", name(t.dtype()), t.shape().str()); });
  t.bump_version();
}

void broadcast(Tensor& t, int root) {
  constexpr std::string_view op = "tg::dist::broadcast";
  require_initialized(op);
  if (root < 0 || root >= g_world_size)
    throw ValueError(
        fmt::format("{}: root {} is not a rank of a world of {}", op, root, g_world_size));
  check_same_everywhere(t, op);
  MPI_Request request;
  detail::check(MPI_Ibcast(t.impl()->data(), static_cast<int>(t.numel()),
                           detail::mpi_type(t.dtype()), root, MPI_COMM_WORLD, &request),
                op, "MPI_Ibcast");
  detail::wait(request, op, [&] {
    return fmt::format("the broadcast of a {} {}", name(t.dtype()), t.shape().str());
  });
  t.bump_version();
}

void barrier() {
  constexpr std::string_view op = "tg::dist::barrier";
  require_initialized(op);
  MPI_Request request;
  detail::check(MPI_Ibarrier(MPI_COMM_WORLD, &request), op, "MPI_Ibarrier");
  detail::wait(request, op, "the barrier");
}

std::string broadcast_string(const std::string& s, int root) {
  Tensor length = scalar_tensor(static_cast<double>(s.size()), kInt64);
  broadcast(length, root);
  std::vector<char> bytes(s.begin(), s.end());
  bytes.resize(static_cast<std::size_t>(length.item<int64_t>()));
  if (!bytes.empty()) {
    constexpr std::string_view op = "tg::dist::broadcast_string";
    MPI_Request request;
    detail::check(MPI_Ibcast(bytes.data(), static_cast<int>(bytes.size()), MPI_CHAR, root,
                             MPI_COMM_WORLD, &request),
                  op, "MPI_Ibcast");
    detail::wait(request, op,
                 [&] { return fmt::format("the broadcast of {} bytes", bytes.size()); });
  }
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace tg::dist
