# Debian packages: libxtensor-dev libxsimd-dev libtbb-dev libfmt-dev libgtest-dev.
# xtl must be found before xsimd (Debian's xsimd config does not pull it in).
find_package(xtl REQUIRED)
find_package(xsimd REQUIRED)
find_package(xtensor REQUIRED)
find_package(TBB REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
