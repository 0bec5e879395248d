# Debian packages: libxtensor-dev libxsimd-dev libtbb-dev libfmt-dev libgtest-dev.
# xtl must be found before xsimd (Debian's xsimd config does not pull it in).
find_package(xtl REQUIRED)
find_package(xsimd REQUIRED)
find_package(xtensor REQUIRED)
find_package(TBB REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)

# Optional: route GEMM to OpenBLAS's cblas_sgemm/dgemm (Debian libopenblas-dev) instead of
# tapegrad's own packed kernel, for comparison (docs/kernels.md).
option(TAPEGRAD_OPENBLAS "Use OpenBLAS for GEMM instead of tapegrad's own kernel" OFF)
if(TAPEGRAD_OPENBLAS)
  find_library(TAPEGRAD_OPENBLAS_LIBRARY NAMES openblas REQUIRED)
  find_path(TAPEGRAD_CBLAS_INCLUDE_DIR NAMES cblas.h PATH_SUFFIXES openblas x86_64-linux-gnu
            REQUIRED)
endif()
