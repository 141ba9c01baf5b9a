// The README's "Conventions" list, entry by entry: where nnlab's arithmetic and PyTorch's defaults part, and the
// PyTorch setting under which they agree. Golden values come from PyTorch 1.13 in float64
// (tests/fixtures/make_pytorch_fixtures.py); each test shows the agreement under the stated setting and, where the
// defaults differ, the difference.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "helpers.hpp"
#include "nnlab/activations.hpp"
#include "nnlab/config.hpp"
#include "nnlab/dataset.hpp"
#include "nnlab/losses.hpp"
#include "nnlab/network.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// PyTorch and nnlab do the same float64 operations in a different order (a GEMM's sums, a fused formula): they agree
// to a few ulps per operation, which over the 8 momentum steps tested stays far below this.
constexpr double kPyTorchRelative = 1e-13;
constexpr double kPyTorchAbsolute = 1e-15;

const nlohmann::json& fixture() {
  static const nlohmann::json loaded = load_fixture("pytorch_conventions.json");
  return loaded;
}

const nlohmann::json& activation_case(const std::string& name) {
  for (const auto& c : fixture()["activations"])
    if (c["case"] == name) return c;
  FAIL("no activation case " << name);
  throw;
}

// nnlab's f and f' (from backward with dA = 1) at the fixture's points, with the activation's default alpha.
struct Elementwise {
  std::vector<double> f, df;
};
Elementwise nnlab_activation(const std::string& name, const std::vector<double>& z) {
  auto activation = make_activation<double>({kind_from<ActivationKind>(name, "test")}, "activation", z.size());
  Tensor<double> Z(1, z.size()), A, dA(1, z.size(), 1.0), dZ;
  for (std::size_t i = 0; i < z.size(); ++i) Z[i] = z[i];
  activation->forward(Z, A);
  activation->backward(Z, A, dA, dZ);
  Elementwise out;
  for (std::size_t i = 0; i < z.size(); ++i) out.f.push_back(A[i]), out.df.push_back(dZ[i]);
  return out;
}

// Largest |nnlab − PyTorch| over a case's points, for f and f'.
std::pair<double, double> largest_difference(const std::string& case_name) {
  const auto& c = activation_case(case_name);
  const auto z = c["z"].get<std::vector<double>>();
  const auto mine = nnlab_activation(c["activation"], z);
  double f = 0, df = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    f = std::max(f, std::abs(mine.f[i] - c["f"][i].get<double>()));
    df = std::max(df, std::abs(mine.df[i] - c["df"][i].get<double>()));
  }
  return {f, df};
}

// Agreement to 1e-15 relative, or to `absolute` where a value is so small that the last bits of a difference of
// numbers near 1 (PyTorch's e^z − 1) are all it has.
void require_agreement(const std::string& case_name, double absolute = 1e-300) {
  const auto& c = activation_case(case_name);
  const auto z = c["z"].get<std::vector<double>>();
  const auto mine = nnlab_activation(c["activation"], z);
  for (std::size_t i = 0; i < z.size(); ++i) {
    CAPTURE(case_name, z[i]);
    REQUIRE(mine.f[i] == Approx(c["f"][i].get<double>()).epsilon(1e-15).margin(absolute));
    REQUIRE(mine.df[i] == Approx(c["df"][i].get<double>()).epsilon(1e-15).margin(absolute));
  }
}

double standard_deviation(std::span<const double> values) {
  double mean = 0, squares = 0;
  for (double v : values) mean += v;
  mean /= double(values.size());
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / double(values.size()));
}

double largest_magnitude(std::span<const double> values) {
  double largest = 0;
  for (double v : values) largest = std::max(largest, std::abs(v));
  return largest;
}

void require_close(const Tensor<double>& actual, const nlohmann::json& expected_rows, double relative = kPyTorchRelative) {
  const Tensor<double> expected = matrix(expected_rows);
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    REQUIRE(actual[i] == Approx(expected[i]).epsilon(relative).margin(kPyTorchAbsolute));
}

// A CSV written by --metrics, as columns by header name, one entry per row.
std::map<std::string, std::vector<double>> read_metrics(const std::filesystem::path& path) {
  std::istringstream in(read_file(path));
  std::string line, cell;
  std::getline(in, line);
  std::vector<std::string> names;
  for (std::istringstream header(line); std::getline(header, cell, ',');) names.push_back(cell);
  std::map<std::string, std::vector<double>> columns;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    for (std::size_t c = 0; c < names.size() && std::getline(row, cell, ','); ++c)
      columns[names[c]].push_back(cell.empty() || cell == "-" ? NAN : std::stod(cell));
  }
  return columns;
}

}  // namespace

TEST_CASE("softplus is exact: PyTorch's threshold 20 differs above 20, threshold 40 agrees", "[conventions]") {
  require_agreement("softplus_threshold_40");
  const auto [f, df] = largest_difference("softplus_default");
  // nn.Softplus() returns z itself for z > 20: log(1 + e^25) − 25 ≈ 1.4e-11 is dropped, and so is its slope's.
  REQUIRE(f > 1e-11);
  REQUIRE(df > 1e-11);
  REQUIRE(f < 2e-9);  // only there: below the threshold the two are the same function
}

TEST_CASE("gelu is PyTorch's default exact (erf) form, not approximate='tanh'", "[conventions]") {
  require_agreement("gelu_default");
  const auto [f, df] = largest_difference("gelu_tanh");
  REQUIRE(f > 1e-4);
  REQUIRE(df > 1e-4);
}

TEST_CASE("elu, leaky_relu and prelu defaults and every kink follow PyTorch's modules", "[conventions]") {
  // alpha 1, negative_slope 0.01, PReLU's initial 0.25; f'(0) = α (leaky, elu, prelu) and relu'(0) = 0.
  for (const char* name : {"leaky_relu_default", "prelu_default", "relu", "sigmoid", "tanh", "silu"})
    require_agreement(name);
  // elu: nnlab's α·expm1(z) against nn.ELU's α·(e^z − 1), which keeps only the bits of e^z that differ from 1:
  // within one ulp of 1 everywhere, but at z = −0.001 that is a relative 3e-14.
  const double ulp_of_one = std::numeric_limits<double>::epsilon();
  require_agreement("elu_default", ulp_of_one);
  const auto& elu = activation_case("elu_default");
  const auto z = elu["z"].get<std::vector<double>>();
  const std::size_t near_zero = std::size_t(std::find(z.begin(), z.end(), -1e-3) - z.begin());
  const double mine = nnlab_activation("elu", z).f[near_zero], theirs = elu["f"][near_zero].get<double>();
  REQUIRE(std::abs(mine / theirs - 1) > 1e-14);
  REQUIRE(mine == Approx(std::expm1(-1e-3)).epsilon(1e-16));
}

TEST_CASE("losses reduce by the mean, as PyTorch's defaults, and take logits like the *WithLogits losses",
          "[conventions][losses]") {
  const auto& losses = fixture()["losses"];
  // Checks nnlab's value and gradient for a fixture case against PyTorch's, and returns the value.
  auto same_as_pytorch = [&](const std::string& name, const std::string& input_key) {
    CAPTURE(name);
    const auto& c = losses[name];
    const Tensor<double> input = matrix(c[input_key]), target = matrix(c["target"]);
    const auto loss = make_loss<double>(*parse_kind<LossKind>(name));
    const double value = loss->value(input, target);
    REQUIRE(value == Approx(c["value"].get<double>()).epsilon(1e-15));
    Tensor<double> gradient;
    loss->gradient(input, target, gradient);
    require_close(gradient, c["gradient"], 1e-14);
    return value;
  };
  // softmax layer + cross_entropy = nn.Linear + nn.CrossEntropyLoss() on the logits (reduction 'mean') ...
  const double cross_entropy = same_as_pytorch("cross_entropy", "logits");
  // ... not reduction 'sum', and not CrossEntropyLoss after an nn.Softmax (softmax applied twice)
  REQUIRE(cross_entropy != Approx(losses["cross_entropy"]["value_sum"].get<double>()));
  REQUIRE(cross_entropy != Approx(losses["cross_entropy"]["value_softmax_twice"].get<double>()));
  // sigmoid layer + binary_cross_entropy = nn.BCEWithLogitsLoss() on the logits, soft targets included; nn.BCELoss()
  // on sigmoid outputs clamps each log at −100, so each of the two logits ±200 on the wrong side counts 100, not 200.
  const double binary = same_as_pytorch("binary_cross_entropy", "logits");
  REQUIRE(binary - losses["binary_cross_entropy"]["value_bce_on_sigmoid"].get<double>() ==
          Approx(2 * (200.0 - 100.0) / 6).epsilon(1e-9));
  same_as_pytorch("mse", "output");  // nn.MSELoss(): mean over samples and outputs
}

TEST_CASE("float32 training reports its loss computed in double, where PyTorch's float32 loss is float32",
          "[conventions][losses]") {
  const auto& c = fixture()["float32_losses"];
  const std::size_t n = c["samples"];
  Tensor<float> logits(n, 1), target(n, 1);
  for (std::size_t i = 0; i < n; ++i) {  // the fixture script's rule: exact float32 numbers
    logits[i] = float(double((i * 37) % 1001) - 500) / 64;
    target[i] = float(i % 5) / 4;
  }
  for (const char* name : {"binary_cross_entropy", "mse"}) {
    CAPTURE(name);
    const double mine = make_loss<float>(*parse_kind<LossKind>(name))->value(logits, target);
    // the float64 loss of the same float32 numbers: loss_fn(z.double(), t.double()) in PyTorch
    REQUIRE(mine == Approx(c[name]["float64"].get<double>()).epsilon(1e-14));
    REQUIRE(std::abs(mine / c[name]["float32"].get<double>() - 1) > 1e-9);
  }
}

TEST_CASE("standard scaling divides by the population std (ddof 0), torch.std(unbiased=False)", "[conventions][data]") {
  const auto& c = fixture()["normalization"];
  const Tensor<double> x = matrix(c["x"]);
  const Normalization fitted = fit_normalization(Dataset(x, Tensor<double>(x.rows(), 1)), NormalizationKind::standard);
  for (std::size_t k = 0; k < 2; ++k) {
    CAPTURE(k);
    REQUIRE(fitted.shift[k] == Approx(c["mean"][k].get<double>()).epsilon(1e-15));
    REQUIRE(fitted.scale[k] == Approx(1 / c["std_unbiased_false"][k].get<double>()).epsilon(1e-15));
    // torch.std's default (unbiased, ddof 1) is larger by √(n/(n−1)) = √(7/6)
    REQUIRE(fitted.scale[k] * c["std_default"][k].get<double>() == Approx(std::sqrt(7.0 / 6)).epsilon(1e-14));
  }
  REQUIRE(c["std_unbiased_false"][2].get<double>() == 0);
  REQUIRE(fitted.scale[2] == 1);  // a constant feature is shifted to 0, not divided by 0
}

TEST_CASE("initial weights are drawn as PyTorch's nn.Linear, xavier_uniform_ and kaiming_normal_ defaults",
          "[conventions][init]") {
  const auto& c = fixture()["init"];
  const std::size_t inputs = c["inputs"], units = c["units"];
  for (const std::string init : {"uniform", "xavier", "he", "xavier_gain_half"}) {
    CAPTURE(init);
    Config config;
    config.layers = {{units, ActivationKind::linear}};
    config.init = init == "xavier_gain_half" ? Init::xavier : *parse_kind<Init>(init);
    if (init == "xavier_gain_half") config.init_gain = 0.5;  // xavier_uniform_(w, gain=0.5)
    Rng rng(4);
    Network<double> network(inputs, config.layers, model_init(config), rng);
    const auto weights = network.layer(0).weight.value.values();
    const auto biases = network.layer(0).bias.value.values();
    const auto& torch = c[init];
    // 60,000 draws pin a standard deviation to about 0.3%; a wrong fan or gain is off by 20% or more.
    REQUIRE(standard_deviation(weights) == Approx(torch["weight_std"].get<double>()).epsilon(0.02));
    if (torch.contains("weight_max")) {
      REQUIRE(largest_magnitude(weights) <= torch["weight_max"].get<double>() * 1.001);
      REQUIRE(largest_magnitude(weights) >= torch["weight_max"].get<double>() * 0.99);
    }
    if (init == "uniform") {  // nn.Linear's biases too: U(±1/√inputs)
      REQUIRE(standard_deviation(biases) == Approx(torch["bias_std"].get<double>()).epsilon(0.15));
      REQUIRE(largest_magnitude(biases) <= 1 / std::sqrt(double(inputs)));
    } else {  // nn.init.zeros_(linear.bias) in PyTorch
      REQUIRE(largest_magnitude(biases) == 0);
    }
  }
}

TEST_CASE("SGD with momentum and Nesterov, weight decay = 2·l2 on weights and biases only, and L1 by hand "
          "follow torch.optim.SGD step for step",
          "[conventions][training]") {
  const auto& c = fixture()["sgd"];
  auto train = [&](const nlohmann::json& run, Regularization regularization) {
    Config config;
    config.layers = {{4, ActivationKind::prelu}, {1, ActivationKind::linear}};
    config.loss = LossKind::mse;
    config.dtype = DType::float64;
    config.epochs = c["steps"];
    config.optimizer.learning_rate = c["learning_rate"];
    config.optimizer.momentum = run["momentum"];
    config.optimizer.nesterov = run["nesterov"];
    config.regularization = regularization;
    auto trainer = std::make_unique<Trainer<double>>(config, Dataset(matrix(c["x"]), matrix(c["y"])));
    Network<double>& network = trainer->network();
    for (std::size_t i = 0; i < 2; ++i) {
      network.layer(i).weight.value = matrix(c["initial"]["weights"][i]);
      network.layer(i).bias.value = matrix(c["initial"]["biases"][i]);
    }
    for (Parameter<double>* p : network.layer(0).parameters())
      if (p->kind == ParameterKind::slope)
        for (std::size_t k = 0; k < 4; ++k) p->value[k] = c["initial"]["slopes"][k];
    struct Recorder : TrainingObserver {
      std::vector<double> data_losses, losses;
      void on_epoch(const EpochReport& r) override {
        if (r.epoch > 0) data_losses.push_back(r.data_loss), losses.push_back(r.loss);
      }
    } recorder;
    std::vector<TrainingObserver*> observers = {&recorder};
    trainer->run(observers);
    return std::make_pair(std::move(trainer), recorder);
  };
  auto slopes = [](Network<double>& network) {
    for (Parameter<double>* p : network.layer(0).parameters())
      if (p->kind == ParameterKind::slope) return p->value;
    FAIL("no PReLU slope");
    throw;
  };
  auto require_same_run = [&](Trainer<double>& trainer, const auto& recorder, const nlohmann::json& run) {
    const auto data_losses = run["data_losses"].get<std::vector<double>>();
    REQUIRE(recorder.data_losses.size() == data_losses.size());
    for (std::size_t i = 0; i < data_losses.size(); ++i)
      REQUIRE(recorder.data_losses[i] == Approx(data_losses[i]).epsilon(kPyTorchRelative));
    Network<double>& network = trainer.network();
    for (std::size_t i = 0; i < 2; ++i) {
      require_close(network.layer(i).weight.value, run["final"]["weights"][i]);
      require_close(network.layer(i).bias.value, run["final"]["biases"][i]);
    }
    require_close(slopes(network), run["final"]["slopes"]);
  };

  std::map<std::string, nlohmann::json> runs;
  for (const auto& run : c["runs"]) runs[run["name"]] = run;
  const double decay = runs["weights_and_biases_decayed"]["weight_decay"];

  SECTION("weight_decay = d is l2 = d/2 with include_bias, PReLU slopes in a group without decay") {
    const auto& run = runs["weights_and_biases_decayed"];
    auto [trainer, recorder] = train(run, {.l2 = decay / 2, .include_bias = true});
    require_same_run(*trainer, recorder, run);
    // nnlab's loss adds the penalty l2·Σw², which PyTorch's weight_decay never reports
    REQUIRE(recorder.losses.back() > recorder.data_losses.back() + 1e-3);
    // Plain SGD(model.parameters(), weight_decay=d) decays the slopes too, and ends elsewhere.
    const Tensor<double> plain = matrix(runs["everything_decayed"]["final"]["slopes"]);
    REQUIRE(std::abs(slopes(trainer->network())[0] - plain[0]) > 1e-3);
  }
  SECTION("l2_per_sample: weight_decay = 2·l2/N, N the training set's size") {
    const auto& run = runs["weights_and_biases_decayed_over_n"];
    auto [trainer, recorder] = train(run, {.l2 = decay / 2, .include_bias = true, .l2_per_sample = true});
    require_same_run(*trainer, recorder, run);
  }
  SECTION("include_bias false: biases in the group without decay") {
    const auto& run = runs["weights_decayed"];
    auto [trainer, recorder] = train(run, {.l2 = decay / 2});
    require_same_run(*trainer, recorder, run);
  }
  SECTION("Nesterov momentum: PyTorch's form, w ← w − η·(g + μ·v)") {
    const auto& run = runs["nesterov_weights_and_biases_decayed"];
    auto [trainer, recorder] = train(run, {.l2 = decay / 2, .include_bias = true});
    require_same_run(*trainer, recorder, run);
  }
  SECTION("L1 per sample is λ1/N·Σ|w| added to PyTorch's loss, N the training set's size, sign(0) = 0") {
    const auto& run = runs["l1_per_sample_on_weights"];
    auto [trainer, recorder] = train(run, {.l1 = run["l1_per_sample"], .l1_per_sample = true});
    require_same_run(*trainer, recorder, run);
    const auto losses = run["losses"].get<std::vector<double>>();
    for (std::size_t i = 0; i < losses.size(); ++i)
      REQUIRE(recorder.losses[i] == Approx(losses[i]).epsilon(kPyTorchRelative));
  }
}

TEST_CASE("learning-rate schedules give PyTorch's StepLR, ExponentialLR and CosineAnnealingLR rates",
          "[conventions][cli]") {
  const auto& c = fixture()["schedules"];
  const auto dir = temp_dir("schedules");
  std::ofstream(dir / "d.csv") << "x,y\n0,0\n1,2\n2,4\n";
  for (const auto& schedule : c["cases"]) {
    CAPTURE(schedule["schedule"].dump());
    std::ofstream(dir / "c.json") << R"({"data": {"train": "d.csv", "target": "y"},
        "model": {"layers": [{"units": 1, "activation": "linear"}]}, "optimizer": {"learning_rate": )"
                                  << round_trip(c["learning_rate"].get<double>())
                                  << R"(, "schedule": )" << schedule["schedule"].dump()
                                  << R"(}, "training": {"epochs": )" << c["epochs"] << "}}";
    const auto result = run_nnlab("train '" + (dir / "c.json").string() + "' --quiet --metrics '" +
                                  (dir / "m.csv").string() + "'");
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    auto metrics = read_metrics(dir / "m.csv");
    const auto rates = schedule["rates"].get<std::vector<double>>();
    std::vector<double> mine;
    for (std::size_t r = 0; r < metrics["epoch"].size(); ++r)
      if (metrics["epoch"][r] > 0) mine.push_back(metrics["learning_rate"][r]);
    REQUIRE(mine.size() == rates.size());
    for (std::size_t e = 0; e < rates.size(); ++e) REQUIRE(mine[e] == Approx(rates[e]).epsilon(1e-14));
  }
  std::filesystem::remove_all(dir);
}
