// Shape: a small inline vector of extents (no heap allocation; rank <= kMaxRank).
#pragma once
#include <array>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tg {

class Shape {
 public:
  static constexpr int kMaxRank = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  /// A single extent (or a single axis, for Axes): `x.sum(1)` reads like PyTorch.
  template <std::integral I>
  Shape(I d) {  // NOLINT(google-explicit-constructor): implicit on purpose
    push_back(static_cast<int64_t>(d));
  }
  explicit Shape(const std::vector<int64_t>& dims);
  template <class It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
  }

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  int64_t& operator[](int i) { return dims_[static_cast<std::size_t>(i)]; }
  const int64_t* begin() const { return dims_.data(); }
  const int64_t* end() const { return dims_.data() + rank_; }
  int64_t numel() const;
  void push_back(int64_t d);
  std::vector<int64_t> vec() const { return {begin(), end()}; }

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }

  /// Row-major strides in elements.
  std::array<int64_t, kMaxRank> strides() const;
  /// "[2, 3]" — used in every error message.
  std::string str() const;

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

/// NumPy broadcasting of two shapes; throws ShapeError naming `op` if they don't broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// Normalises a possibly negative axis against `rank`; throws ValueError naming `op`.
int normalize_axis(int64_t axis, int rank, const char* op);

}  // namespace tg
