# One interface target carries the flags every tapegrad translation unit must share:
# the language standard and the vector width. It sets no xtensor macro: tapegrad's own
# sources do not use xtensor, and a consumer's xtensor code keeps its own configuration.
add_library(tapegrad_options INTERFACE)
add_library(tapegrad::options ALIAS tapegrad_options)
target_compile_features(tapegrad_options INTERFACE cxx_std_20)
if(TAPEGRAD_NATIVE)
  target_compile_options(tapegrad_options INTERFACE -march=native)
endif()

# Warnings apply to our own sources only, not to consumers of the installed package.
add_library(tapegrad_warnings INTERFACE)
target_compile_options(tapegrad_warnings INTERFACE -Wall -Wextra)
if(TAPEGRAD_WERROR)
  target_compile_options(tapegrad_warnings INTERFACE -Werror)
endif()
