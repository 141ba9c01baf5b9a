#include "nnlab/schedule.hpp"

#include <cmath>
#include <numbers>

namespace nnlab {

double scheduled_learning_rate(const ScheduleConfig& schedule, double base, std::size_t epoch, std::size_t epochs) {
  const double done = double(epoch - 1);  // epochs finished before this one
  switch (schedule.type) {
    case ScheduleKind::constant: return base;
    case ScheduleKind::step: return base * std::pow(schedule.gamma, double((epoch - 1) / schedule.step_every));
    case ScheduleKind::exponential: return base * std::pow(schedule.gamma, done);
    case ScheduleKind::cosine:
      return schedule.min_learning_rate +
             (base - schedule.min_learning_rate) * (1 + std::cos(std::numbers::pi * done / double(epochs))) / 2;
  }
  return base;
}

}  // namespace nnlab
