#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/regularization.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

struct Parameters {
  Parameter<double> weight{"w", ParameterKind::weight, matrix(nlohmann::json::parse("[[0.5, -1.5], [2.0, -0.25]]")),
                           Tensor<double>(2, 2)};
  Parameter<double> bias{"b", ParameterKind::bias, matrix(nlohmann::json::parse("[[0.75, -3.0]]")),
                         Tensor<double>(1, 2)};
  Parameter<double> slope{"s", ParameterKind::slope, Tensor<double>(1, 1, 0.5), Tensor<double>(1, 1)};
  std::vector<Parameter<double>*> all() { return {&weight, &bias, &slope}; }
};

}  // namespace

TEST_CASE("penalty values follow the documented conventions", "[regularization]") {
  Parameters p;
  // Σ|w| = 4.25, Σw² = 6.5625 over the weights; the bias adds 3.75 and 9.5625.
  REQUIRE(Regularizer({.l1 = 0.1}, 5).penalty(p.all()) == Approx(0.425));
  REQUIRE(Regularizer({.l1 = 0.1, .include_bias = true}, 5).penalty(p.all()) == Approx(0.8));
  REQUIRE(Regularizer({.l2 = 0.1}, 5).penalty(p.all()) == Approx(0.65625));
  REQUIRE(Regularizer({.l2 = 0.1, .include_bias = true, .l2_per_sample = true}, 5).penalty(p.all()) ==
          Approx(0.1 * (6.5625 + 9.5625) / 5));
  REQUIRE(Regularizer({.l1 = 0.1, .l1_per_sample = true}, 4).penalty(p.all()) == Approx(0.425 / 4));
}

TEST_CASE("both penalties pass a central-difference check, biases included or not", "[regularization][gradcheck]") {
  for (bool include_bias : {false, true})
    for (bool per_sample : {false, true}) {
      CAPTURE(include_bias, per_sample);
      Parameters p;
      const Regularizer regularizer({.l1 = 0.3, .l2 = 0.7, .include_bias = include_bias, .l1_per_sample = per_sample,
                                     .l2_per_sample = per_sample},
                                    3);
      for (auto* param : p.all()) param->grad.fill(0);
      regularizer.add_gradient(p.all());
      const auto results = check_gradients(p.all(), [&] { return regularizer.penalty(p.all()); });
      for (const auto& r : results) REQUIRE(r.max_relative_error < kGradientRelative);
      REQUIRE(results[0].max_abs_gradient > kNonTrivialGradient);
      REQUIRE((results[1].max_abs_gradient > kNonTrivialGradient) == include_bias);
      REQUIRE(results[2].max_abs_gradient == 0);  // PReLU slopes are never penalized
    }
}

TEST_CASE("L1's subgradient at zero is zero, like numpy's sign", "[regularization]") {
  Parameter<double> w{"w", ParameterKind::weight, Tensor<double>(1, 3), Tensor<double>(1, 3)};
  w.value[1] = -2;
  w.value[2] = 3;
  Regularizer({.l1 = 0.5}, 1).add_gradient(std::vector{&w});
  REQUIRE(w.grad[0] == 0.0);
  REQUIRE(w.grad[1] == -0.5);
  REQUIRE(w.grad[2] == 0.5);
}
