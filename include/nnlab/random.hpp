// Seeded random numbers that are the same on every platform (the standard distributions are not), so that a
// config and a seed always give the same run.
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace nnlab {

// What a generator is used for: each purpose gets its own stream, so that e.g. changing the batch size
// (and with it the number of shuffles) never changes the initial weights.
enum class RandomStream : std::uint64_t { init = 1, shuffle = 2, data = 3, split = 4, dropout = 5 };

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  Rng(std::uint64_t seed, RandomStream stream, std::uint64_t index = 0);  // index: e.g. the epoch

  std::uint64_t next() { return engine_(); }
  double uniform();                         // [0, 1)
  double uniform(double low, double high);  // [low, high)
  double normal(double mean, double stddev);
  std::size_t below(std::size_t n);  // uniform integer in [0, n)
  void shuffle(std::span<std::size_t> values);

 private:
  std::mt19937_64 engine_;
};

}  // namespace nnlab
