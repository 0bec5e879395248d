// The MPI plumbing shared by tg::dist's sources: checked calls and deadline waits.
#pragma once
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tapegrad/autograd/dtype.hpp"

namespace tg::dist::detail {

/// Throws DistError "`op`: `call` failed on rank r of p: <MPI's message>" unless `code`
/// is MPI_SUCCESS.
void check(int code, std::string_view op, std::string_view call);

/// Waits for `request` until timeout(); TimeoutError "`op` ... did not complete" past it.
/// `what` describes the collective for the message (e.g. "bucket 2 of 3, 1.5 MB"); it is
/// called only then, so a wait that succeeds formats nothing.
void wait(MPI_Request& request, std::string_view op, const std::function<std::string()>& what);
inline void wait(MPI_Request& request, std::string_view op, std::string_view what) {
  wait(request, op, [what] { return std::string(what); });
}

/// Note [Abandoned collectives]: a started non-blocking collective whose owner is
/// destroyed before waiting for it (an exception through backward, a DataParallel dropped
/// mid-step) may still write into its buffer, and MPI forbids freeing or cancelling a
/// collective's request. The owner hands both over here: the buffer lives until the
/// request completes, which every later wait on this rank checks, and the Environment's
/// destructor waits for them (up to timeout()) before MPI_Finalize.
void abandon(MPI_Request request, std::vector<std::byte> buffer);

/// Every rank's `mine` (the same length on every rank), rank after rank.
std::vector<int64_t> all_gather(const std::vector<int64_t>& mine, std::string_view op,
                                std::string_view what);

/// MPI's datatype for a tensor dtype.
MPI_Datatype mpi_type(Dtype dtype);

}  // namespace tg::dist::detail
