# One interface target carries the flags every tapegrad translation unit must share:
# the language standard. It sets no xtensor macro (tapegrad's own sources do not use
# xtensor, and a consumer's xtensor code keeps its own configuration) and carries no
# instruction-set flag: the kernels are compiled per instruction set on their own object
# files (autograd/CMakeLists.txt, docs/cpu-dispatch.md), so a consumer's program runs on any
# x86-64 CPU with SSE4.2.
add_library(tapegrad_options INTERFACE)
add_library(tapegrad::options ALIAS tapegrad_options)
target_compile_features(tapegrad_options INTERFACE cxx_std_20)
# A local build tuned for this machine: -march=native on everything built in this tree
# (tapegrad, its tests, examples and benchmarks), never on the installed targets. The
# kernel variants still exist, but every one of them may then use this CPU's instructions.
if(TAPEGRAD_NATIVE)
  target_compile_options(tapegrad_options INTERFACE $<BUILD_INTERFACE:-march=native>)
endif()

# Warnings apply to our own sources only, not to consumers of the installed package.
add_library(tapegrad_warnings INTERFACE)
target_compile_options(tapegrad_warnings INTERFACE -Wall -Wextra)
if(TAPEGRAD_WERROR)
  target_compile_options(tapegrad_warnings INTERFACE -Werror)
endif()
