#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/losses.hpp"
#include "nnlab/network.hpp"
#include "nnlab/step.hpp"
#include "nnlab/regularization.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// Inputs and targets as tensors (for the network-level tests) ...
struct Synthetic {
  Tensor<double> inputs, targets;
};
Synthetic synthetic_data(std::size_t samples, std::size_t inputs, std::size_t outputs, bool classes, Rng& rng) {
  Synthetic data{Tensor<double>(samples, inputs), Tensor<double>(samples, classes ? 1 : outputs)};
  for (auto& x : data.inputs.values()) x = rng.uniform(-2, 2);
  for (auto& y : data.targets.values()) y = classes ? double(rng.below(outputs)) : rng.uniform(0.05, 0.95);
  return data;
}
// ... and as a Dataset (for the trainer).
Dataset synthetic_dataset(std::size_t samples, std::size_t inputs, std::size_t outputs, bool classes, Rng& rng) {
  Synthetic data = synthetic_data(samples, inputs, outputs, classes, rng);
  return Dataset(std::move(data.inputs), std::move(data.targets));
}

Config config_for(std::vector<LayerSpec> layers, LossKind loss) {
  Config config;
  config.layers = std::move(layers);
  config.loss = loss;
  config.init = Init::xavier;
  config.seed = 3;
  config.dtype = DType::float64;
  return config;
}

}  // namespace

TEST_CASE("a whole 3-layer network passes a central-difference check", "[network][gradcheck]") {
  struct Case {
    std::vector<LayerSpec> layers;
    LossKind loss;
  };
  using Act = ActivationKind;
  const std::vector<Case> cases = {
      {{{4, Act::tanh}, {5, Act::prelu}, {3, Act::softmax}}, LossKind::cross_entropy},
      {{{4, Act::sigmoid}, {3, Act::elu, 0.7}, {2, Act::linear}}, LossKind::mse},
      {{{5, Act::gelu}, {4, Act::softplus}, {2, Act::sigmoid}}, LossKind::binary_cross_entropy},
      {{{3, Act::silu}, {4, Act::leaky_relu, 0.2}, {2, Act::softmax}}, LossKind::mse},
  };
  for (const auto& c : cases) {
    CAPTURE(name_of(c.loss), name_of(c.layers[0].activation.kind), name_of(c.layers[1].activation.kind),
            name_of(c.layers[2].activation.kind));
    Rng rng(9);
    const Synthetic data = synthetic_data(6, 3, c.layers.back().units, c.loss == LossKind::cross_entropy, rng);
    const Config config = config_for(c.layers, c.loss);
    Network<double> network(3, config.layers, model_init(config), rng);
    auto loss = make_loss<double>(c.loss);
    const Regularizer regularizer({.l1 = 0.01, .l2 = 0.02, .include_bias = true}, data.inputs.rows());
    Sgd<double> optimizer({});
    const std::vector<Parameter<double>*> parameters = network.parameters();
    const StepParts<double> parts{network, *loss, regularizer, optimizer, parameters};
    StepBuffers<double> buffers;
    compute_gradients(parts, data.inputs, data.targets, buffers);
    auto total_loss = [&] { return objective(parts, data.inputs, data.targets); };

    const auto results = check_gradients(network.parameters(), total_loss);
    REQUIRE(results.size() >= 6);
    for (const auto& r : results) {
      CAPTURE(r.name);
      REQUIRE(r.max_relative_error < kGradientRelative);
      REQUIRE(r.max_abs_gradient > 1e-6);
    }
  }
}

TEST_CASE("training steps match a numpy implementation step for step", "[network][training]") {
  for (const auto& c : load_fixture("training.json")) {
    CAPTURE(c["name"].get<std::string>());
    Config config;
    for (const auto& layer : c["layers"]) {
      LayerSpec l{layer["units"], {kind_from<ActivationKind>(layer["activation"].get<std::string>(), "test")}};
      if (layer.contains("alpha")) l.activation.alpha = layer["alpha"].get<double>();
      config.layers.push_back(l);
    }
    config.loss = *parse_kind<LossKind>(c["loss"].get<std::string>());
    config.optimizer.learning_rate = c["optimizer"]["learning_rate"];
    config.optimizer.momentum = c["optimizer"].value("momentum", 0.0);
    config.optimizer.nesterov = c["optimizer"].value("nesterov", false);
    const auto& reg = c["regularization"];
    config.regularization = {reg.value("l1", 0.0), reg.value("l2", 0.0), reg.value("include_bias", false),
                             reg.value("l1_per_sample", false), reg.value("l2_per_sample", false)};
    config.epochs = c["steps"];
    config.dtype = DType::float64;

    Trainer<double> trainer(config, Dataset(matrix(c["x"]), matrix(c["y"])));
    Network<double>& network = trainer.network();
    for (std::size_t i = 0; i < network.layer_count(); ++i) {
      network.layer(i).weight.value = matrix(c["initial"]["weights"][i]);
      network.layer(i).bias.value = matrix(c["initial"]["biases"][i]);
    }

    struct Recorder : TrainingObserver {
      std::vector<double> losses;
      void on_epoch(const EpochReport& r) override { losses.push_back(r.loss); }
    } recorder;
    std::vector<TrainingObserver*> observers = {&recorder};
    trainer.run(observers);

    const auto expected_losses = c["losses"].get<std::vector<double>>();
    REQUIRE(recorder.losses.size() == expected_losses.size());
    for (std::size_t i = 0; i < expected_losses.size(); ++i)
      REQUIRE(recorder.losses[i] == Approx(expected_losses[i]).epsilon(kGoldenRelative));
    for (std::size_t i = 0; i < network.layer_count(); ++i) {
      const Tensor<double> w = matrix(c["final"]["weights"][i]), b = matrix(c["final"]["biases"][i]);
      for (std::size_t k = 0; k < w.size(); ++k)
        REQUIRE(network.layer(i).weight.value[k] == Approx(w[k]).epsilon(kGoldenRelative).margin(1e-14));
      for (std::size_t k = 0; k < b.size(); ++k)
        REQUIRE(network.layer(i).bias.value[k] == Approx(b[k]).epsilon(kGoldenRelative).margin(1e-14));
    }
  }
}

TEST_CASE("weight init follows its named distribution and the seed", "[network][init]") {
  auto weights = [](const std::string& init, std::uint64_t seed) {
    Config config = config_for({{200, ActivationKind::relu}, {1, ActivationKind::linear}}, LossKind::mse);
    config.init = *parse_kind<Init>(init);
    Rng rng(seed, RandomStream::init);
    Network<double> network(100, config.layers, model_init(config), rng);
    return network.layer(0).weight.value;
  };
  auto stddev = [](const Tensor<double>& t) {
    double sum = 0, squares = 0;
    for (double v : t.values()) sum += v, squares += v * v;
    const double mean = sum / double(t.size());
    return std::sqrt(squares / double(t.size()) - mean * mean);
  };
  const Tensor<double> zeros = weights("zeros", 1);
  for (double v : zeros.values()) REQUIRE(v == 0.0);
  // 20,000 draws: the sample standard deviation is within about 1% of the true one.
  REQUIRE(stddev(weights("he", 1)) == Approx(std::sqrt(2.0 / 100)).epsilon(0.03));
  REQUIRE(stddev(weights("xavier", 1)) == Approx(std::sqrt(6.0 / 300) / std::sqrt(3.0)).epsilon(0.03));
  REQUIRE(stddev(weights("uniform", 1)) == Approx(0.1 / std::sqrt(3.0)).epsilon(0.03));
  REQUIRE(weights("he", 7) == weights("he", 7));
  REQUIRE_FALSE(weights("he", 7) == weights("he", 8));
}

TEST_CASE("mini-batch training is reproducible from the seed and learns", "[training]") {
  Rng rng(1);
  const Dataset data = synthetic_dataset(50, 2, 3, true, rng);
  Config config = config_for({{8, ActivationKind::tanh}, {3, ActivationKind::softmax}}, LossKind::cross_entropy);
  config.batch_size = 7;  // 50 = 7·7 + 1: the last batch is short
  config.epochs = 20;
  config.optimizer.learning_rate = 0.5;
  auto run = [&](std::uint64_t seed) {
    Config c = config;
    c.seed = seed;
    Trainer<double> trainer(c, data);
    const double before = trainer.evaluate(data).loss;
    return std::pair{before, trainer.run().last.loss};
  };
  const auto [before, after] = run(5);
  REQUIRE(after < before);
  REQUIRE(run(5).second == after);
  REQUIRE(run(6).second != after);
}

TEST_CASE("float32 training follows float64 training closely", "[training]") {
  Rng rng(2);
  const Dataset data = synthetic_dataset(20, 3, 1, false, rng);
  Config config = config_for({{6, ActivationKind::tanh}, {1, ActivationKind::linear}}, LossKind::mse);
  config.epochs = 30;
  config.optimizer.learning_rate = 0.1;
  Trainer<double> exact(config, data);
  Trainer<float> single(config, data);
  REQUIRE(single.run().last.loss == Approx(exact.run().last.loss).epsilon(1e-4));
}
