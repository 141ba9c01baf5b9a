// The data sets follow TensorFlow Playground's dataset.ts (Apache-2.0) in spirit; spiral and gauss are generalized
// to any number of classes, and moons follows scikit-learn's make_moons.
#include "nnlab/generate.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "nnlab/errors.hpp"
#include "nnlab/random.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

constexpr double kPi = std::numbers::pi;

struct Builder {
  GeneratedData data;
  std::size_t next = 0;
  Builder(std::size_t samples, bool classification) {
    data.inputs = Tensor<double>(samples, 2);
    data.targets = Tensor<double>(samples, 1);
    data.classification = classification;
  }
  void add(double x, double y, double label) {
    data.inputs(next, 0) = x;
    data.inputs(next, 1) = y;
    data.targets(next, 0) = label;
    ++next;
  }
};

// Splits n samples over k classes as evenly as possible.
std::size_t share(std::size_t n, std::size_t k, std::size_t i) { return n / k + (i < n % k ? 1 : 0); }

}  // namespace

std::vector<std::string> generator_names() { return {"xor", "circle", "gauss", "spiral", "moons", "plane"}; }

bool generator_is_classification(const std::string& kind) { return kind != "plane"; }

bool generator_takes_classes(const std::string& kind) { return kind == "spiral" || kind == "gauss"; }

void check_generator_kind(const std::string& kind, const std::string& where) {
  const auto names = generator_names();
  if (std::find(names.begin(), names.end(), kind) == names.end())
    throw InputError(where + "unknown data set \"" + kind + "\"" + did_you_mean(kind, names) + "; choose one of " +
                     join(names));
}

namespace {

void check_spec(const GeneratorSpec& spec) {
  check_generator_kind(spec.kind, "");
  if (spec.samples < 2 || spec.samples > kMaxGeneratedSamples)
    throw InputError(spec.kind + ": samples must be a whole number from 2 to " + std::to_string(kMaxGeneratedSamples) +
                     ", got " + std::to_string(spec.samples));
  if (!std::isfinite(spec.noise) || spec.noise < 0 || spec.noise > 1)
    throw InputError(spec.kind + ": noise must be from 0 to 1, got " + round_trip(spec.noise));
  const bool many_classes = generator_takes_classes(spec.kind);
  if (spec.classes < 2 || (!many_classes && spec.classes != 2) || spec.classes > spec.samples)
    throw InputError(spec.kind + ": " + (many_classes ? "classes must be from 2 to the number of samples"
                                                       : "has exactly 2 classes") +
                     ", got " + std::to_string(spec.classes));
}

// Quadrants: label 1 where x·y ≥ 0. Points keep 0.3 away from the axes; noise moves them after labelling.
void draw_xor(Builder& out, Rng& rng, std::size_t n, double noise) {
  const double padding = 0.3;
  for (std::size_t i = 0; i < n; ++i) {
    double x = rng.uniform(-5, 5), y = rng.uniform(-5, 5);
    x += x > 0 ? padding : -padding;
    y += y > 0 ? padding : -padding;
    const double label = x * y >= 0 ? 1 : 0;
    out.add(x + rng.uniform(-5, 5) * noise, y + rng.uniform(-5, 5) * noise, label);
  }
}

// Label 1 inside radius 2.5, label 0 in the ring from 3.5 to 5.
void draw_circle(Builder& out, Rng& rng, std::size_t n, double noise) {
  const double radius = 5;
  for (std::size_t i = 0; i < n; ++i) {
    const bool inside = i < share(n, 2, 0);
    const double r = inside ? rng.uniform(0, 0.5 * radius) : rng.uniform(0.7 * radius, radius);
    const double angle = rng.uniform(0, 2 * kPi);
    out.add(r * std::cos(angle) + rng.uniform(-radius, radius) * noise / 2,
            r * std::sin(angle) + rng.uniform(-radius, radius) * noise / 2, inside ? 1 : 0);
  }
}

// One Gaussian blob per class, centres evenly on a circle of radius 3; the spread grows with the noise.
void draw_gauss(Builder& out, Rng& rng, std::size_t n, std::size_t k, double noise) {
  const double stddev = 0.5 + 3.5 * noise;
  for (std::size_t c = 0; c < k; ++c) {
    const double angle = kPi / 4 + 2 * kPi * double(c) / double(k);
    for (std::size_t i = 0; i < share(n, k, c); ++i)
      out.add(rng.normal(3 * std::cos(angle), stddev), rng.normal(3 * std::sin(angle), stddev), double(c));
  }
}

// Each class is an arm that winds 1.75 turns outwards to radius 5, arms evenly rotated.
void draw_spiral(Builder& out, Rng& rng, std::size_t n, std::size_t k, double noise) {
  for (std::size_t c = 0; c < k; ++c) {
    const std::size_t count = share(n, k, c);
    for (std::size_t i = 0; i < count; ++i) {
      const double progress = double(i) / double(count);
      const double r = 5 * progress;
      const double t = 1.75 * progress * 2 * kPi + 2 * kPi * double(c) / double(k);
      out.add(r * std::sin(t) + rng.uniform(-1, 1) * noise * 5 / 2,
              r * std::cos(t) + rng.uniform(-1, 1) * noise * 5 / 2, double(c));
    }
  }
}

// Two interleaving half circles (scikit-learn's make_moons), scaled by 2.5 and centred.
void draw_moons(Builder& out, Rng& rng, std::size_t n, double noise) {
  const double scale = 2.5;
  for (std::size_t c = 0; c < 2; ++c) {
    const std::size_t count = share(n, 2, c);
    for (std::size_t i = 0; i < count; ++i) {
      const double t = count > 1 ? kPi * double(i) / double(count - 1) : 0;
      const double x = c == 0 ? std::cos(t) : 1 - std::cos(t);
      const double y = c == 0 ? std::sin(t) : 0.5 - std::sin(t);
      out.add(scale * (x - 0.5 + rng.normal(0, noise)), scale * (y - 0.25 + rng.normal(0, noise)), double(c));
    }
  }
}

// Regression: y = (x1 + x2) / 10 measured at a noisy point.
void draw_plane(Builder& out, Rng& rng, std::size_t n, double noise) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = rng.uniform(-6, 6), y = rng.uniform(-6, 6);
    out.add(x, y, (x + rng.uniform(-6, 6) * noise + y + rng.uniform(-6, 6) * noise) / 10);
  }
}

}  // namespace

GeneratedData generate_dataset(const GeneratorSpec& spec) {
  check_spec(spec);
  Rng rng(spec.seed, RandomStream::data);
  const std::size_t n = spec.samples, k = spec.classes;
  const double noise = spec.noise;
  Builder out(n, generator_is_classification(spec.kind));
  if (spec.kind == "xor") draw_xor(out, rng, n, noise);
  else if (spec.kind == "circle") draw_circle(out, rng, n, noise);
  else if (spec.kind == "gauss") draw_gauss(out, rng, n, k, noise);
  else if (spec.kind == "spiral") draw_spiral(out, rng, n, k, noise);
  else if (spec.kind == "moons") draw_moons(out, rng, n, noise);
  else draw_plane(out, rng, n, noise);
  return out.data;
}

}  // namespace nnlab
