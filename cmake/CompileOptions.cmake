# One interface target carries the flags every tapegrad translation unit must share:
# the same xtensor/xsimd macros everywhere (a mix breaks the one-definition rule) and
# the same vector width.
add_library(tapegrad_options INTERFACE)
add_library(tapegrad::options ALIAS tapegrad_options)
target_compile_features(tapegrad_options INTERFACE cxx_std_20)
target_compile_definitions(tapegrad_options INTERFACE XTENSOR_USE_XSIMD)
if(TAPEGRAD_NATIVE)
  target_compile_options(tapegrad_options INTERFACE -march=native)
endif()

# Warnings apply to our own sources only, not to consumers of the installed package.
add_library(tapegrad_warnings INTERFACE)
target_compile_options(tapegrad_warnings INTERFACE -Wall -Wextra)
if(TAPEGRAD_WERROR)
  target_compile_options(tapegrad_warnings INTERFACE -Werror)
endif()
