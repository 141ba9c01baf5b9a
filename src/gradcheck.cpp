#include "nnlab/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nnlab {

namespace {
// Gradients this small on both sides, relative to the largest gradient of the whole check (or to 1), count as equal
// zeros: they are below the rounding noise of the difference quotients (a bias before batch normalization has a
// gradient of exactly 0, and its quotient is noise amplified by every layer above it).
constexpr double kNegligible = 1e-8;
// An element's error is measured against at least this fraction of the tensor's largest gradient: central
// differences carry an absolute rounding error of about ε·|L|/h, which would swamp elements a million times
// smaller than their neighbours without saying anything about the derivative's formula.
constexpr double kScaleFloor = 1e-3;
// A failing element is tried again with steps this many times smaller, at most kRetries times: where the loss curves
// sharply (a deep net, batch normalization on a small batch), the truncation error ~h²·|L'''| of the first step can
// exceed the tolerance although the gradient is right. A wrong gradient fails at every step.
constexpr double kStepShrink = 10;
constexpr int kRetries = 2;
// The rounding noise of a difference quotient at step h is about kRoundingUlps·ε·|L|/h (each of the two losses is a
// long sum rounded at every term). An element is measured against at least the size at which that noise would be
// `tolerance` of it: a correct gradient a million times smaller than the loss (the first layers of a deep sigmoid
// net, where gradients vanish) is otherwise failed by noise alone. A gradient 1% wrong there still fails.
constexpr double kRoundingUlps = 16;

double rounding_floor(double loss, double step, double tolerance) {
  if (tolerance <= 0) return 0;  // --tolerance 0: every difference counts
  return kRoundingUlps * std::numeric_limits<double>::epsilon() * std::max(std::abs(loss), 1.0) / (step * tolerance);
}

double quotient(Parameter<double>& p, std::size_t i, const std::function<double()>& loss, double step) {
  const double original = p.value[i];
  p.value[i] = original + step;
  const double plus = loss();
  p.value[i] = original - step;
  const double minus = loss();
  p.value[i] = original;
  return (plus - minus) / (2 * step);
}
}  // namespace

double relative_error(double analytic, double numeric, double floor, double negligible) {
  if (std::max(std::abs(analytic), std::abs(numeric)) < negligible) return 0;
  return std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), floor});
}

std::vector<GradientCheck> check_gradients(const std::vector<Parameter<double>*>& parameters,
                                           const std::function<double()>& loss, double step, double tolerance) {
  double largest = 1;
  for (const Parameter<double>* p : parameters)
    for (double g : p->grad.values()) largest = std::max(largest, std::abs(g));
  const double negligible = kNegligible * largest;
  // At the first step h for the retries too: a smaller step's larger noise must not excuse a larger error.
  const double noise_floor = rounding_floor(loss(), step, tolerance);

  std::vector<GradientCheck> results;
  for (Parameter<double>* p : parameters) {
    GradientCheck result{p->name};
    result.smallest_step = step;
    for (double g : p->grad.values()) result.max_abs_gradient = std::max(result.max_abs_gradient, std::abs(g));
    const double floor = std::max(kScaleFloor * result.max_abs_gradient, noise_floor);
    for (std::size_t i = 0; i < p->value.size(); ++i) {
      double h = step;
      auto error_at = [&](double at) { return relative_error(p->grad[i], quotient(*p, i, loss, at), floor, negligible); };
      double error = error_at(h);
      for (int retry = 0; retry < kRetries && error > tolerance; ++retry) {
        h /= kStepShrink;
        error = std::min(error, error_at(h));
        result.smallest_step = std::min(result.smallest_step, h);
      }
      result.max_relative_error = std::max(result.max_relative_error, error);
    }
    result.checked = p->value.size();
    results.push_back(result);
  }
  return results;
}

}  // namespace nnlab
