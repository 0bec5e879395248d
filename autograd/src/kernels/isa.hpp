// The instruction set the kernels run on (docs/cpu-dispatch.md).
//
// The kernel sources are compiled once per instruction set; dispatch.cpp forwards every
// kernel call to the variant chosen here. The choice is made on the first kernel call
// (or the first tg::cpu_capability()): the highest set the CPU and its OS support, or the
// one the environment variable TAPEGRAD_ISA names. A name that is unknown, or names a set
// this CPU lacks, throws tg::ValueError from that call (and from every later one), never
// running code the CPU cannot execute.
#pragma once
#include <optional>
#include <string_view>

namespace tg::kernels {

/// The variants, lowest first: a CPU that runs one runs every lower one.
enum class Isa { Sse4_2, Avx2, Avx512 };
inline constexpr Isa kIsas[] = {Isa::Sse4_2, Isa::Avx2, Isa::Avx512};

/// "sse4.2", "avx2" or "avx512": the names TAPEGRAD_ISA accepts and cpu_capability returns.
std::string_view isa_name(Isa isa);

namespace detail {

/// A set of variants: bit i stands for kIsas[i].
using IsaSet = unsigned;
constexpr IsaSet isa_bit(Isa isa) { return 1u << static_cast<unsigned>(isa); }

/// The variants this CPU and its OS can run (CPUID through xsimd, and the OS's saving of
/// the AVX / AVX-512 registers through __builtin_cpu_supports).
IsaSet cpu_supported_isas();
/// The variant to run on a CPU supporting `supported`: the one `requested` names
/// (TAPEGRAD_ISA's value; nullptr when unset: the highest supported). Throws ValueError
/// naming the request, what the CPU supports and the accepted names when `requested` is
/// unknown or unsupported, or when the CPU lacks even the SSE4.2 baseline.
Isa select_isa(const char* requested, IsaSet supported);
/// The variant the dispatched kernels run: select_isa(getenv("TAPEGRAD_ISA"),
/// cpu_supported_isas()) on the first call, remembered once it succeeds.
Isa active_isa();
/// For tests: run the kernels under `isa` from now on (ValueError if the CPU lacks it),
/// or with std::nullopt forget the choice, so the next kernel call chooses again from
/// the CPU and the environment.
void set_isa_for_testing(std::optional<Isa> isa);

}  // namespace detail
}  // namespace tg::kernels
