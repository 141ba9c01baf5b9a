// The learning rate's schedule: the rate each epoch trains at. The trainer sets it before each epoch; explain and
// the PyTorch export read the same formulas.
#pragma once

#include <cstddef>

#include "nnlab/kinds.hpp"

namespace nnlab {

// Learning rate per epoch e = 1, 2, ... of `epochs`, from the base rate η:
//   constant:    η
//   step:        η·γ^⌊(e−1)/step_every⌋                      (PyTorch's StepLR)
//   exponential: η·γ^(e−1)                                   (ExponentialLR)
//   cosine:      η_min + (η − η_min)·(1 + cos(π·(e−1)/epochs))/2   (CosineAnnealingLR)
struct ScheduleConfig {
  ScheduleKind type = ScheduleKind::constant;
  std::size_t step_every = 10;
  double gamma = 0.1;
  double min_learning_rate = 0;
};

double scheduled_learning_rate(const ScheduleConfig& schedule, double base, std::size_t epoch, std::size_t epochs);

}  // namespace nnlab
