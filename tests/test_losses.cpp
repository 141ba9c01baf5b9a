#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/losses.hpp"

using namespace nnlab;
using namespace nnlab::test;

TEST_CASE("loss values and gradients match numpy", "[losses]") {
  const auto fixture = load_fixture("losses.json");
  const Tensor<double> output = matrix(fixture["output"]);
  for (const auto& name : kind_names<LossKind>()) {
    CAPTURE(name);
    const auto& expected = fixture[name];
    auto loss = make_loss<double>(*parse_kind<LossKind>(name));
    const Tensor<double> target = matrix(expected["target"]);
    REQUIRE(loss->value(output, target) == Approx(expected["value"].get<double>()).epsilon(1e-12));
    Tensor<double> gradient;
    loss->gradient(output, target, gradient);
    const Tensor<double> expected_gradient = matrix(expected["gradient"]);
    for (std::size_t i = 0; i < gradient.size(); ++i)
      REQUIRE(gradient[i] == Approx(expected_gradient[i]).epsilon(1e-12).margin(1e-16));
  }
}

TEST_CASE("every loss gradient passes a central-difference check", "[losses][gradcheck]") {
  const auto fixture = load_fixture("losses.json");
  for (const auto& name : kind_names<LossKind>()) {
    CAPTURE(name);
    auto loss = make_loss<double>(*parse_kind<LossKind>(name));
    const Tensor<double> target = matrix(fixture[name]["target"]);
    Parameter<double> output{"output", ParameterKind::weight, matrix(fixture["output"]), {}};
    loss->gradient(output.value, target, output.grad);
    const auto results = check_gradients({&output}, [&] { return loss->value(output.value, target); });
    REQUIRE(results[0].max_abs_gradient > kNonTrivialGradient);
    REQUIRE(results[0].max_relative_error < kGradientRelative);
  }
}

TEST_CASE("fused losses stay finite for huge logits", "[losses]") {
  auto ce = make_loss<float>(LossKind::cross_entropy);
  const Tensor<float> logits = tensor_cast<float>(matrix(nlohmann::json::parse("[[1000.0, -1000.0]]")));
  const Tensor<float> wrong_class(1, 1, 1.0f);
  REQUIRE(ce->value(logits, wrong_class) == Approx(2000.0));
  Tensor<float> d_logits;  // softmax([1000, −1000]) − onehot(1) = [1, −1]: finite only when shifted by the largest z
  ce->gradient(logits, wrong_class, d_logits);
  REQUIRE(d_logits[0] == 1.0f);
  REQUIRE(d_logits[1] == -1.0f);
  auto bce = make_loss<float>(LossKind::binary_cross_entropy);
  REQUIRE(bce->value(logits, Tensor<float>(1, 2, 0.0f)) == Approx(500.0));
}

TEST_CASE("unknown losses are errors that suggest a name", "[losses]") {
  REQUIRE_THROWS_WITH(kind_from<LossKind>("cross_entropi", "loss"),
                      "loss: unknown loss \"cross_entropi\" (did you mean \"cross_entropy\"?); choose one of mse, "
                      "cross_entropy, binary_cross_entropy");
  REQUIRE_THROWS_AS(kind_from<LossKind>("hinge", "loss"), InputError);
}
