// Checks analytic gradients against central differences, in float64:
//
//   numeric = (L(w + h) − L(w − h)) / 2h
//   relative error = |analytic − numeric| / max(|analytic|, |numeric|, 0.001 · largest |analytic| in the tensor)
//
// The floor keeps elements a million times smaller than their neighbours, whose difference quotients are mostly
// rounding noise, from failing a correct gradient; an error is 0 where both sides are below 1e-8 times the largest
// gradient of the check (or 1e-8). An element whose error exceeds the tolerance at h is tried again at h/10 and
// h/100 and keeps its smallest error: where the loss curves sharply (20 layers with batch normalization on 8
// samples), the quotient's truncation error ~h²·|L'''| at h = 1e-5 can be larger than the gradient itself, while
// at 1e-7 it agrees to 1e-6. A wrong gradient fails at every step. The floor is also at least the size at which
// the quotient's rounding noise at h, about 16·ε·|L|/h, would be `tolerance` of the element (none at tolerance 0):
// where gradients vanish (deep sigmoid nets: 1e-6 in the first layer) noise alone was 5e-4 of them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "nnlab/parameter.hpp"

namespace nnlab {

struct GradientCheck {
  std::string name;                  // the parameter's name
  std::size_t checked = 0;           // elements compared
  double max_relative_error = 0;
  double max_abs_gradient = 0;       // largest |analytic| seen: a check of all zeros proves nothing
  double smallest_step = 0;          // the smallest h an element of this parameter needed (h, h/10 or h/100)
};

// The default h of the central differences: their truncation error is ~h² and their rounding error ~ε·|L|/h, both
// around 1e-10 relative at h = 1e-5 in float64.
constexpr double kGradientStep = 1e-5;

// The largest relative error that a default check passes.
constexpr double kGradientTolerance = 1e-4;

double relative_error(double analytic, double numeric, double floor = 0, double negligible = 1e-8);

// For every element of every parameter: nudges it by ±step, recomputes `loss()` and compares the difference
// quotient with the gradient already stored in `grad` (an element over `tolerance` is retried at smaller steps,
// see above). Values are restored afterwards.
std::vector<GradientCheck> check_gradients(const std::vector<Parameter<double>*>& parameters,
                                           const std::function<double()>& loss, double step = kGradientStep,
                                           double tolerance = kGradientTolerance);

}  // namespace nnlab
