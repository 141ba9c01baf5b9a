// Seeded 2-D toy data sets, as TensorFlow Playground draws them (coordinates roughly in [-6, 6]).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nnlab/tensor.hpp"

namespace nnlab {

// The most samples a generator makes (a config's "samples", `data generate --samples`): 100 million, 2.4 GB.
constexpr std::size_t kMaxGeneratedSamples = 100'000'000;

struct GeneratorSpec {
  std::string kind;        // xor, circle, gauss, spiral, moons (classification) or plane (regression)
  std::size_t samples = 200;
  double noise = 0;        // 0 = clean; 0.5 = very noisy
  std::uint64_t seed = 0;
  std::size_t classes = 2;  // spiral and gauss take any number ≥ 2; the others have 2
};

struct GeneratedData {
  Tensor<double> inputs;   // (samples, 2): columns x1, x2
  Tensor<double> targets;  // (samples, 1): class index, or the value for plane
  bool classification = true;
};

std::vector<std::string> generator_names();
bool generator_is_classification(const std::string& kind);
// spiral and gauss take any number of classes; the others have exactly 2.
bool generator_takes_classes(const std::string& kind);
// Throws InputError("WHERE" "unknown data set ...; choose one of ...") for a kind no generator makes.
void check_generator_kind(const std::string& kind, const std::string& where);

// Throws InputError for an unknown kind or impossible settings.
GeneratedData generate_dataset(const GeneratorSpec& spec);

}  // namespace nnlab
