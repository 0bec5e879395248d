// A square grid of cells over [−extent, extent]² for 2-D density models: the cell centres
// to evaluate an unnormalised log-density u on, its log-normaliser found numerically,
//
//   log Z ≈ logsumexp(u over the cells) + log(cell area)
//
// (a Riemann sum of exp(u); the mass outside the box is left out), and a heat-map panel of
// the normalised log p.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/plot.hpp"
#include "tapegrad/autograd/tensor.hpp"

namespace tg::examples {

struct Grid2d {
  int64_t cells = 120;  ///< per axis
  double extent = 3.5;  ///< the box is [−extent, extent]²

  /// The cell centres, row iy·cells + ix ((x₁, x₂) = centre of column ix, row iy), as
  /// [cells², 2] float32 (HeatMap's order).
  Tensor points() const;
  /// log Z from u = the unnormalised log-density on points() ([cells²] or [cells², 1]).
  double log_normaliser(const Tensor& u) const;
  /// u − log Z, as doubles.
  std::vector<double> normalised(const Tensor& u) const;
  /// A square panel over the box showing log p as a heat map, its colour range
  /// [top − depth, top] (values below are clipped to the bottom colour).
  plot::Panel density_panel(const std::string& title, const std::vector<double>& log_p, double top,
                            double depth) const;
};

}  // namespace tg::examples
