#include "tapegrad/autograd/shape.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tapegrad/autograd/error.hpp"

namespace tg {

Shape::Shape(std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) push_back(d);
}
Shape::Shape(const std::vector<int64_t>& dims) {
  for (int64_t d : dims) push_back(d);
}

void Shape::push_back(int64_t d) {
  if (rank_ == kMaxRank)
    throw ValueError(fmt::format("Shape: rank {} exceeds the maximum of {}", rank_ + 1, kMaxRank));
  dims_[static_cast<size_t>(rank_++)] = d;
}

// A zero extent makes the count 0 whatever the others are (checked first, so that huge
// extents next to a zero cannot overflow); otherwise an overflowing count is an error,
// never a wrapped-around size.
int64_t Shape::numel() const {
  for (int64_t d : *this)
    if (d == 0) return 0;
  int64_t n = 1;
  for (int64_t d : *this)
    if (__builtin_mul_overflow(n, d, &n))
      throw ShapeError(fmt::format("Shape {}: the element count overflows int64", str()));
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if ((*this)[i] != o[i]) return false;
  return true;
}

std::array<int64_t, Shape::kMaxRank> Shape::strides() const {
  std::array<int64_t, kMaxRank> s{};
  int64_t acc = 1;
  for (int i = rank_ - 1; i >= 0; --i) {
    s[static_cast<size_t>(i)] = acc;
    acc *= (*this)[i];
  }
  return s;
}

std::string Shape::str() const { return fmt::format("[{}]", fmt::join(begin(), end(), ", ")); }

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  if (a == b) return a;
  const int r = std::max(a.rank(), b.rank());
  Shape out;
  for (int i = 0; i < r; ++i) {
    const int ia = i - (r - a.rank()), ib = i - (r - b.rank());
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(fmt::format(
          "{}: shapes {} and {} do not broadcast (axis {} has sizes {} and {}; each pair of "
          "sizes must be equal or one of them 1)",
          op, a.str(), b.str(), i, da, db));
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

int normalize_axis(int64_t axis, int rank, const char* op) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= std::max(rank, 1))
    throw ValueError(
        fmt::format("{}: axis {} is out of range for a tensor of rank {}", op, axis, rank));
  return static_cast<int>(a);
}

}  // namespace tg
