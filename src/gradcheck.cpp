#include "nnlab/gradcheck.hpp"

#include <algorithm>
#include <cmath>

namespace nnlab {

namespace {
constexpr double kBothZero = 1e-10;  // gradients this small on both sides count as equal zeros
}

double relative_error(double analytic, double numeric) {
  const double scale = std::max(std::abs(analytic), std::abs(numeric));
  if (scale < kBothZero) return 0;
  return std::abs(analytic - numeric) / scale;
}

std::vector<GradientCheck> check_gradients(const std::vector<Parameter<double>*>& parameters,
                                           const std::function<double()>& loss, double step) {
  std::vector<GradientCheck> results;
  for (Parameter<double>* p : parameters) {
    GradientCheck result{p->name};
    for (std::size_t i = 0; i < p->value.size(); ++i) {
      const double original = p->value[i];
      p->value[i] = original + step;
      const double plus = loss();
      p->value[i] = original - step;
      const double minus = loss();
      p->value[i] = original;
      const double numeric = (plus - minus) / (2 * step);
      const double analytic = p->grad[i];
      result.max_relative_error = std::max(result.max_relative_error, relative_error(analytic, numeric));
      result.max_abs_gradient = std::max(result.max_abs_gradient, std::abs(analytic));
      ++result.checked;
    }
    results.push_back(result);
  }
  return results;
}

}  // namespace nnlab
