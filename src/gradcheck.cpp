#include "nnlab/gradcheck.hpp"

#include <algorithm>
#include <cmath>

namespace nnlab {

namespace {
constexpr double kBothZero = 1e-10;  // gradients this small on both sides count as equal zeros
// An element's error is measured against at least this fraction of the tensor's largest gradient: central
// differences carry an absolute rounding error of about ε·|L|/h, which would swamp elements a million times
// smaller than their neighbours without saying anything about the derivative's formula.
constexpr double kScaleFloor = 1e-3;
}  // namespace

double relative_error(double analytic, double numeric, double floor) {
  const double scale = std::max({std::abs(analytic), std::abs(numeric), floor});
  if (scale < kBothZero) return 0;
  return std::abs(analytic - numeric) / scale;
}

std::vector<GradientCheck> check_gradients(const std::vector<Parameter<double>*>& parameters,
                                           const std::function<double()>& loss, double step) {
  std::vector<GradientCheck> results;
  for (Parameter<double>* p : parameters) {
    GradientCheck result{p->name};
    std::vector<double> numeric(p->value.size());
    for (std::size_t i = 0; i < p->value.size(); ++i) {
      const double original = p->value[i];
      p->value[i] = original + step;
      const double plus = loss();
      p->value[i] = original - step;
      const double minus = loss();
      p->value[i] = original;
      numeric[i] = (plus - minus) / (2 * step);
      result.max_abs_gradient = std::max(result.max_abs_gradient, std::abs(p->grad[i]));
    }
    const double floor = kScaleFloor * result.max_abs_gradient;
    for (std::size_t i = 0; i < p->value.size(); ++i)
      result.max_relative_error = std::max(result.max_relative_error, relative_error(p->grad[i], numeric[i], floor));
    result.checked = p->value.size();
    results.push_back(result);
  }
  return results;
}

}  // namespace nnlab
