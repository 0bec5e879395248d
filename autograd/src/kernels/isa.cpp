// Choosing the kernels' instruction set once: the CPU's best, or TAPEGRAD_ISA's (isa.hpp).
#include "isa.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <xsimd/config/xsimd_cpuid.hpp>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace tg::kernels {
namespace {

/// The names of the variants in `set`, comma-separated ("none" when empty).
std::string names(detail::IsaSet set) {
  std::string out;
  for (Isa isa : kIsas)
    if (set & detail::isa_bit(isa))
      out += fmt::format("{}{}", out.empty() ? "" : ", ", isa_name(isa));
  return out.empty() ? "none" : out;
}

constexpr detail::IsaSet kAllIsas = (1u << std::size(kIsas)) - 1;

/// The chosen variant as an int, -1 until the first successful choice.
std::atomic<int> g_active{-1};

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::Sse4_2:
      return "sse4.2";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
  }
  return "?";
}

namespace detail {

IsaSet cpu_supported_isas() {
  // xsimd 8.1 reads CPUID only; __builtin_cpu_supports (libgcc) also checks with XGETBV
  // that the OS saves the AVX and AVX-512 registers. A variant needs both to agree.
  const auto x = xsimd::available_architectures();
  __builtin_cpu_init();
  IsaSet set = 0;
  if (x.sse4_2 && __builtin_cpu_supports("sse4.2")) set |= isa_bit(Isa::Sse4_2);
  if ((set & isa_bit(Isa::Sse4_2)) && x.avx2 && x.fma3_avx2 && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    set |= isa_bit(Isa::Avx2);
  if ((set & isa_bit(Isa::Avx2)) && x.avx512f && x.avx512cd && x.avx512dq && x.avx512bw &&
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    set |= isa_bit(Isa::Avx512);
  return set;
}

Isa select_isa(const char* requested, IsaSet supported) {
  if (requested == nullptr || *requested == '\0') {
    for (auto it = std::rbegin(kIsas); it != std::rend(kIsas); ++it)
      if (supported & isa_bit(*it)) return *it;
    throw ValueError(fmt::format(
        "tapegrad's kernels need at least SSE4.2, which this CPU lacks (it supports none of {})",
        names(kAllIsas)));
  }
  for (Isa isa : kIsas) {
    if (isa_name(isa) != requested) continue;
    if (supported & isa_bit(isa)) return isa;
    throw ValueError(fmt::format(
        "TAPEGRAD_ISA=\"{}\" asks for an instruction set this CPU lacks: it supports {} "
        "(accepted names: {}; unset means the highest supported)",
        requested, names(supported), names(kAllIsas)));
  }
  throw ValueError(
      fmt::format("TAPEGRAD_ISA=\"{}\" is not an instruction set tapegrad's kernels are built for: "
                  "expected one of {} (this CPU supports {}; unset means the highest supported)",
                  requested, names(kAllIsas), names(supported)));
}

Isa active_isa() {
  const int active = g_active.load(std::memory_order_relaxed);
  if (active >= 0) return static_cast<Isa>(active);
  // Not yet chosen (or the last attempt threw): choose now. Racing first calls compute
  // the same answer.
  const Isa isa = select_isa(std::getenv("TAPEGRAD_ISA"), cpu_supported_isas());
  g_active.store(static_cast<int>(isa), std::memory_order_relaxed);
  return isa;
}

void set_isa_for_testing(std::optional<Isa> isa) {
  if (!isa) return g_active.store(-1, std::memory_order_relaxed);
  const IsaSet supported = cpu_supported_isas();
  if (!(supported & isa_bit(*isa)))
    throw ValueError(fmt::format("set_isa_for_testing({}): this CPU supports only {}",
                                 isa_name(*isa), names(supported)));
  g_active.store(static_cast<int>(*isa), std::memory_order_relaxed);
}

}  // namespace detail
}  // namespace tg::kernels

namespace tg {

std::string_view cpu_capability() { return kernels::isa_name(kernels::detail::active_isa()); }

}  // namespace tg
