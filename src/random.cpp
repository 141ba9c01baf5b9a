#include "nnlab/random.hpp"

#include <cmath>
#include <numbers>
#include <utility>

namespace nnlab {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): spreads (seed, stream) into well-mixed, distinct engine seeds.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

Rng::Rng(std::uint64_t seed) : engine_(seed) {}

Rng::Rng(std::uint64_t seed, RandomStream stream, std::uint64_t index)
    : engine_(splitmix64(splitmix64(splitmix64(seed) ^ static_cast<std::uint64_t>(stream)) + index)) {}

// 53 random bits scaled to [0, 1): every double of that form is equally likely.
double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform(); }

// Box–Muller transform; 1 − u keeps the logarithm's argument in (0, 1].
double Rng::normal(double mean, double stddev) {
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// Lemire's multiply-shift: maps 64 random bits onto [0, n) with negligible bias for the sizes used here.
std::size_t Rng::below(std::size_t n) {
  return static_cast<std::size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
}

// Fisher–Yates.
void Rng::shuffle(std::span<std::size_t> values) {
  for (std::size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[below(i)]);
}

}  // namespace nnlab
