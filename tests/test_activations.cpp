#include <catch2/catch.hpp>
#include <set>

#include "helpers.hpp"
#include "nnlab/activations.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/kinds.hpp"
#include "nnlab/random.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

std::optional<double> alpha_of(const nlohmann::json& c) {
  return c["alpha"].is_null() ? std::nullopt : std::optional<double>(c["alpha"].get<double>());
}

// Checks dZ from backward() against central differences of L = Σ f(Z) ⊙ R, for random Z away from kinks.
void gradient_check_activation(ActivationKind kind, std::optional<double> alpha) {
  auto activation = make_activation<double>({kind, alpha}, "activation", 5);
  const std::string& name = name_of(kind);
  Rng rng(42);
  Parameter<double> input{"Z", ParameterKind::weight, Tensor<double>(4, 5), Tensor<double>(4, 5)};
  Tensor<double> R(4, 5), A, dZ;
  for (auto& z : input.value.values()) {
    do z = rng.uniform(-3, 3);
    while (std::abs(z) < 0.05);  // central differences straddling a kink measure neither side
  }
  for (auto& r : R.values()) r = rng.uniform(-1, 1);

  auto loss = [&] {
    activation->forward(input.value, A);
    double sum = 0;
    for (std::size_t i = 0; i < A.size(); ++i) sum += A[i] * R[i];
    return sum;
  };
  loss();
  activation->backward(input.value, A, R, dZ);
  input.grad = dZ;

  std::vector<Parameter<double>*> checked = {&input};
  for (auto* p : activation->parameters()) checked.push_back(p);
  for (const auto& result : check_gradients(checked, loss)) {
    CAPTURE(name, result.name);
    REQUIRE(result.checked > 0);
    REQUIRE(result.max_abs_gradient > kNonTrivialGradient);
    REQUIRE(result.max_relative_error < kGradientRelative);
  }
}

}  // namespace

TEST_CASE("every activation's f and f' match numpy, kinks included", "[activations]") {
  const auto fixture = load_fixture("activations.json");
  std::set<std::string> covered;
  for (const auto& c : fixture["elementwise"]) {
    const std::string name = c["name"];
    CAPTURE(name, c["alpha"].dump());
    covered.insert(name);
    const Tensor<double> Z = matrix(c["z"]);  // one column: one unit
    auto activation = make_activation<double>({kind_from<ActivationKind>(name, "test"), alpha_of(c)}, "activation",
                                              Z.cols());
    const Tensor<double> expected_f = matrix(c["f"]), expected_df = matrix(c["df"]);
    Tensor<double> A, dZ;
    activation->forward(Z, A);
    const Tensor<double> ones(Z.rows(), Z.cols(), 1.0);
    activation->backward(Z, A, ones, dZ);  // with dA = 1, dZ = f'(Z)
    for (std::size_t i = 0; i < Z.size(); ++i) {
      CAPTURE(Z[i]);
      REQUIRE(A[i] == Approx(expected_f[i]).epsilon(1e-12).margin(1e-15));
      REQUIRE(dZ[i] == Approx(expected_df[i]).epsilon(1e-12).margin(1e-15));
    }
  }
  covered.insert("softmax");
  for (const auto& info : activation_catalog()) REQUIRE(covered.count(name_of(info.kind)) == 1);
}

TEST_CASE("softmax forward and its Jacobian product match numpy", "[activations]") {
  const auto fixture = load_fixture("activations.json")["softmax"];
  auto softmax = make_activation<double>({ActivationKind::softmax});
  const Tensor<double> Z = matrix(fixture["z"]), dA = matrix(fixture["da"]);
  const Tensor<double> expected_a = matrix(fixture["a"]), expected_dz = matrix(fixture["dz"]);
  Tensor<double> A, dZ;
  softmax->forward(Z, A);
  softmax->backward(Z, A, dA, dZ);
  for (std::size_t i = 0; i < Z.size(); ++i) {
    REQUIRE(A[i] == Approx(expected_a[i]).epsilon(1e-12));
    REQUIRE(dZ[i] == Approx(expected_dz[i]).epsilon(1e-10).margin(1e-15));
  }
}

TEST_CASE("every activation's backward passes a central-difference check", "[activations][gradcheck]") {
  for (const auto& info : activation_catalog()) {
    gradient_check_activation(info.kind, std::nullopt);
    if (info.default_alpha) gradient_check_activation(info.kind, 0.2);
  }
}

TEST_CASE("PReLU learns one slope per unit", "[activations]") {
  auto prelu = make_activation<double>({ActivationKind::prelu}, "activation", 2);
  REQUIRE(prelu->parameters().size() == 1);
  Tensor<double>& slope = prelu->parameters()[0]->value;
  REQUIRE(slope.cols() == 2);
  REQUIRE(slope[0] == 0.25);
  slope[1] = 0.5;
  const Tensor<double> Z = matrix(nlohmann::json::parse("[[-2.0, 3.0], [-1.0, 0.0], [4.0, -6.0]]"));
  Tensor<double> A, dZ;
  prelu->forward(Z, A);
  REQUIRE(A(0, 0) == -0.5);
  REQUIRE(A(0, 1) == 3.0);
  REQUIRE(A(2, 1) == -3.0);
  prelu->backward(Z, A, Tensor<double>(3, 2, 1.0), dZ);
  // dL/ds_u = Σ over samples with z_u ≤ 0 of dA·z_u: unit 0: -2 - 1; unit 1: 0 - 6
  REQUIRE(prelu->parameters()[0]->grad[0] == -3.0);
  REQUIRE(prelu->parameters()[0]->grad[1] == -6.0);
  REQUIRE(dZ(1, 1) == 0.5);  // PyTorch: the slope applies at z = 0
}

TEST_CASE("float32 activations agree with float64 to float precision", "[activations]") {
  Rng rng(5);
  Tensor<double> Z(3, 7);
  for (auto& z : Z.values()) z = rng.uniform(-4, 4);
  const Tensor<float> Zf = tensor_cast<float>(Z);
  for (const auto& info : activation_catalog()) {
    CAPTURE(name_of(info.kind));
    Tensor<double> A;
    Tensor<float> Af;
    make_activation<double>({info.kind}, "activation", Z.cols())->forward(Z, A);
    make_activation<float>({info.kind}, "activation", Z.cols())->forward(Zf, Af);
    for (std::size_t i = 0; i < A.size(); ++i) REQUIRE(double(Af[i]) == Approx(A[i]).epsilon(1e-5).margin(1e-6));
  }
}

TEST_CASE("activation names: aliases, and errors that suggest the nearest name", "[activations]") {
  REQUIRE(kind_from<ActivationKind>("identity", "activation") == ActivationKind::linear);
  REQUIRE(name_of(ActivationKind::linear) == "linear");  // the alias is read, never written
  REQUIRE(make_activation<float>({ActivationKind::linear})->kind() == ActivationKind::linear);
  REQUIRE_THROWS_WITH(kind_from<ActivationKind>("rleu", "activation"),
                      Catch::Contains("unknown activation \"rleu\"") && Catch::Contains("did you mean \"relu\"?"));
  REQUIRE_THROWS_WITH(make_activation<float>({ActivationKind::sigmoid, 0.1}), Catch::Contains("takes no alpha"));
  REQUIRE_THROWS_AS(kind_from<ActivationKind>("bogus_function_name", "activation"), InputError);
  // Every kind has a name, a registry entry in its enum's order, and parses back from its name.
  REQUIRE(activation_catalog().size() == kind_names<ActivationKind>().size() - 1);  // less the alias
  for (const auto& info : activation_catalog()) {
    REQUIRE(&activation_info(info.kind) != nullptr);
    REQUIRE(activation_info(info.kind).kind == info.kind);
    REQUIRE(kind_from<ActivationKind>(name_of(info.kind), "activation") == info.kind);
  }
}

TEST_CASE("softmax shifts by the largest z, so huge logits stay finite", "[activations]") {
  auto softmax = make_activation<float>({ActivationKind::softmax});
  Tensor<float> Z(1, 3), A;
  Z[0] = 100, Z[1] = 0, Z[2] = -100;  // e^100 overflows a float, e^(z − max) does not
  softmax->forward(Z, A);
  REQUIRE(A[0] == Approx(1.0f));
  REQUIRE(A[1] == Approx(std::exp(-100.0f)).margin(1e-30));
  REQUIRE(A[2] == 0.0f);
}
