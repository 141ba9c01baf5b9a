// Batch normalization (PyTorch's BatchNorm1d, against a fixture PyTorch wrote) and dropout (inverted, training only,
// masks from the seed).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "helpers.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/step.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// A dense layer whose linear part is the identity (W = I, b = 0) and whose activation is linear, with batch
// normalization: what it computes is batch normalization alone.
Dense<double> identity_with_batch_norm(std::size_t units) {
  Rng rng(0);
  Dense<double> layer(units, units, make_activation<double>({ActivationKind::linear}, "test", units), Init::zeros, rng, "bn", 1,
                      /*batch_norm=*/true);
  for (std::size_t u = 0; u < units; ++u) layer.weight.value(u, u) = 1;
  return layer;
}

void require_close(const Tensor<double>& actual, const nlohmann::json& expected) {
  nlohmann::json rows = expected;
  if (!expected[0].is_array()) {  // a vector: one row
    rows = nlohmann::json::array();
    rows.push_back(expected);
  }
  const Tensor<double> wanted = matrix(rows);
  REQUIRE(actual.rows() == wanted.rows());
  REQUIRE(actual.cols() == wanted.cols());
  for (std::size_t i = 0; i < actual.size(); ++i) REQUIRE(actual[i] == Approx(wanted[i]).epsilon(1e-12).margin(1e-14));
}

Config deep_config(bool batch_norm, double dropout) {
  Config config;
  config.dtype = DType::float64;
  config.loss = LossKind::cross_entropy;
  config.init = Init::he;
  config.layers = {{6, ActivationKind::tanh}, {5, ActivationKind::relu}, {2, ActivationKind::softmax}};
  for (std::size_t i = 0; i < 2; ++i) config.layers[i].batch_norm = batch_norm, config.layers[i].dropout = dropout;
  config.batch_size = 8;
  config.epochs = 2;
  config.seed = 3;
  config.data.train.kind = DataSource::Kind::generated;  // what a saved model's config names (not read here)
  config.data.train.generator.kind = "xor";
  return config;
}

Dataset two_class_data(std::size_t n) {
  Tensor<double> x(n, 3), y(n, 1);
  Rng rng(5);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < 3; ++c) x(r, c) = rng.normal(1, 2);
    y(r, 0) = x(r, 0) + x(r, 1) > 2 ? 1 : 0;
  }
  return Dataset(x, y);
}

}  // namespace

TEST_CASE("batch normalization matches PyTorch's BatchNorm1d in training and evaluation", "[batch_norm]") {
  const auto fixture = load_fixture("batch_norm.json");
  Dense<double> layer = identity_with_batch_norm(3);
  BatchNorm<double>& bn = *layer.batch_norm();
  for (std::size_t u = 0; u < 3; ++u) bn.gamma.value[u] = fixture["gamma"][u], bn.beta.value[u] = fixture["beta"][u];

  // Training forward on the first batch: batch statistics (biased variance), running ones updated.
  const Tensor<double> first = matrix(fixture["batches"][0]);
  require_close(layer.forward(first, /*training=*/true), fixture["first"]["output"]);
  require_close(bn.running_mean, fixture["first"]["running_mean"]);
  require_close(bn.running_var, fixture["first"]["running_var"]);  // from the unbiased variance
  // Backward: dL/dX (W = I, so dX is BN's dL), dγ, dβ.
  const Tensor<double> upstream = matrix(fixture["upstream"]);
  require_close(layer.backward_linear(first, layer.backward_activation(upstream), /*need_dX=*/true),
                fixture["first"]["d_input"]);
  require_close(bn.gamma.grad, fixture["first"]["d_gamma"]);
  require_close(bn.beta.grad, fixture["first"]["d_beta"]);

  // Two more training steps (batches of 4 and 5), then evaluation on the running statistics.
  layer.forward(matrix(fixture["batches"][1]), true);
  layer.forward(matrix(fixture["batches"][2]), true);
  require_close(bn.running_mean, fixture["after_three"]["running_mean"]);
  require_close(bn.running_var, fixture["after_three"]["running_var"]);
  const Tensor<double> evaluated = layer.forward(matrix(fixture["evaluation_input"]));  // evaluation: the default
  require_close(evaluated, fixture["evaluation_output"]);
  require_close(bn.running_mean, fixture["after_three"]["running_mean"]);  // evaluation leaves them alone
}

TEST_CASE("batch normalization and dropout pass the float64 gradient check", "[batch_norm][dropout][gradcheck]") {
  for (const double dropout : {0.0, 0.3}) {
    CAPTURE(dropout);
    Trainer<double> trainer(deep_config(true, dropout), two_class_data(24));
    Tensor<double> x, y;
    trainer.data().train.gather_range(0, 8, x, y);
    trainer.network().set_dropout_stream(3, 7);
    // γ and β away from 1 and 0, so that their part in the chain rule shows.
    for (auto* p : trainer.network().parameters())
      if (p->kind == ParameterKind::batch_norm)
        for (std::size_t i = 0; i < p->value.size(); ++i) p->value[i] += 0.3 * double(i + 1) / double(p->value.size());
    trainer.compute_gradients(x, y);
    const auto results = check_gradients(trainer.network().parameters(), [&] { return trainer.objective(x, y); });
    bool saw_gamma = false;
    for (const auto& r : results) {
      CAPTURE(r.name);
      if (r.name.ends_with(".bias") && r.name != "layers[2].bias") continue;  // ≈ 0 exactly: BN removes the mean
      REQUIRE(r.max_abs_gradient > kNonTrivialGradient);
      REQUIRE(r.max_relative_error < kGradientRelative);
      saw_gamma = saw_gamma || r.name == "layers[1].gamma";
    }
    REQUIRE(saw_gamma);
  }
}

TEST_CASE("batch normalization: running statistics for every reported loss, never penalized, saved and loaded",
          "[batch_norm][model_io]") {
  Config config = deep_config(true, 0.2);
  config.regularization.l2 = 0.1;
  config.regularization.l1 = 0.1;
  Trainer<double> trainer(config, two_class_data(40));
  // γ and β are not penalized: a network with only them non-zero has penalty 0.
  for (auto* p : trainer.network().parameters())
    if (p->kind != ParameterKind::batch_norm) p->value.fill(0);
  REQUIRE(trainer.penalty() == 0);

  Trainer<double> trained(config, two_class_data(40));
  const RunSummary summary = trained.run();
  // The reported loss is the evaluation-mode loss (running statistics, no dropout), and evaluating changes nothing.
  const double again = trained.evaluate(trained.data().train).loss + trained.penalty();
  REQUIRE(summary.last.loss == again);
  REQUIRE(trained.evaluate(trained.data().train).loss + trained.penalty() == again);

  const auto dir = temp_dir("batch_norm_model");
  save_model(dir / "m.json", trained);
  const SavedModel saved = load_model(dir / "m.json");
  REQUIRE(saved.layers[0].batch_norm);
  REQUIRE(saved.layers[0].dropout == 0.2);
  REQUIRE(saved.running.size() == 4);
  Network<double> loaded = network_from<double>(saved);
  const Tensor<double> a = predict(trained.network(), trained.data().train), b = predict(loaded, trained.data().train);
  REQUIRE(a == b);
  const BatchNorm<double>& bn = *loaded.layer(1).batch_norm();
  REQUIRE(bn.running_var == trained.network().layer(1).batch_norm()->running_var);
  REQUIRE_FALSE(bn.running_var == Tensor<double>(1, 5, 1.0));  // it moved from its start
}

TEST_CASE("a training batch of one sample with batch normalization is an error naming the batch size",
          "[batch_norm][errors]") {
  Config config = deep_config(true, 0);
  config.batch_size = 1;
  REQUIRE_THROWS_WITH(Trainer<double>(config, two_class_data(10)),
                      Catch::Contains("model.layers[0].batch_norm") && Catch::Contains("batch size 1"));
  config.batch_size = 3;  // 10 = 3 + 3 + 3 + 1
  REQUIRE_THROWS_WITH(Trainer<double>(config, two_class_data(10)),
                      Catch::Contains("batch size 3 leaves a last batch of 1 sample (of 10)"));
  config.batch_size = 4;
  REQUIRE_NOTHROW(Trainer<double>(config, two_class_data(10)));
  // Where a batch is chosen by hand: gradcheck --samples 1.
  const auto one = run_nnlab("gradcheck configs/deep_relu_bn.json --samples 1");
  REQUIRE(one.exit_code == 2);
  REQUIRE_THAT(one.err, Catch::Contains("needs at least 2 samples in a training batch") &&
                            Catch::Contains("got a batch of 1"));
  // The PyTorch export writes nn.BatchNorm1d (its numbers are checked by tests/export/check_pytorch_export.py).
  const auto dir = temp_dir("batch_norm_export");
  const auto exported = run_nnlab("export configs/deep_relu_bn.json --to pytorch -o " + (dir / "x.py").string());
  REQUIRE(exported.exit_code == 0);
}

TEST_CASE("dropout: inverted, training only, masks from the seed, the same for any thread count", "[dropout]") {
  // One wide layer: the share of zeros is p and the kept outputs are f(z)/(1 − p), so the mean is preserved.
  Rng rng(1);
  Dense<double> layer(4, 2000, make_activation<double>({ActivationKind::sigmoid}, "test", 2000), Init::he, rng, "d", 1, false,
                      0.25);
  Tensor<double> x(50, 4, 0.5);
  Rng masks(9, RandomStream::dropout, 1);
  const Tensor<double> dropped = layer.forward(x, true, &masks);
  const Tensor<double> plain = layer.forward(x);  // evaluation: no dropout
  double zeros = 0, kept_sum = 0, plain_sum = 0;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (dropped[i] == 0) ++zeros;
    else REQUIRE(dropped[i] == Approx(plain[i] / 0.75).epsilon(1e-15));
    kept_sum += dropped[i], plain_sum += plain[i];
  }
  REQUIRE(zeros / double(plain.size()) == Approx(0.25).margin(0.01));
  REQUIRE(kept_sum / plain_sum == Approx(1).margin(0.02));
  // The same (seed, step): the same mask; another step: another mask.
  Rng same(9, RandomStream::dropout, 1), other(9, RandomStream::dropout, 2);
  REQUIRE(layer.forward(x, true, &same) == dropped);
  REQUIRE_FALSE(layer.forward(x, true, &other) == dropped);

  // A whole run, bit for bit the same with 1 and 2 threads, and different with another seed.
  const auto dir = temp_dir("dropout_threads");
  std::ofstream(dir / "c.json") << R"({"data": {"train": {"generate": "spiral", "samples": 200, "seed": 1},
    "normalize": "standard"}, "model": {"layers": [{"units": 64, "activation": "relu", "dropout": 0.5,
    "batch_norm": true}, {"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy",
    "optimizer": {"learning_rate": 0.1, "batch_size": 20}, "training": {"epochs": 3, "seed": 4}})";
  const auto one = run_nnlab("train " + (dir / "c.json").string() + " --threads 1 --quiet");
  const auto two = run_nnlab("train " + (dir / "c.json").string() + " --threads 2 --quiet");
  const auto seeded = run_nnlab("train " + (dir / "c.json").string() + " --threads 2 --quiet --seed 5");
  REQUIRE(one.exit_code == 0);
  REQUIRE(one.out == two.out);
  REQUIRE_FALSE(one.out == seeded.out);
  const auto bad = run_nnlab("train " + (dir / "c.json").string() + " --output-activation softmax --quiet");
  REQUIRE(bad.exit_code == 0);
}

TEST_CASE("dropout and batch_norm are checked where the config says them", "[dropout][config]") {
  const auto dir = temp_dir("dropout_config");
  const auto run = [&](const std::string& layers) {
    std::ofstream(dir / "c.json") << R"({"data": {"train": {"generate": "xor", "samples": 40}},
      "model": {"layers": )" << layers << R"(}, "loss": "cross_entropy", "training": {"epochs": 1}})";
    return run_nnlab("train " + (dir / "c.json").string() + " --quiet");
  };
  REQUIRE_THAT(run(R"([{"units": 4, "activation": "relu", "dropout": 1}, {"units": 2, "activation": "softmax"}])").err,
               Catch::Contains("model.layers[0].dropout: must be at least 0 and below 1"));
  REQUIRE_THAT(run(R"([{"units": 4, "activation": "relu"}, {"units": 2, "activation": "softmax", "dropout": 0.2}])").err,
               Catch::Contains("model.layers[1].dropout: dropout belongs after hidden layers"));
  REQUIRE_THAT(run(R"([{"units": 4, "activation": "relu", "batch_norm": 1}, {"units": 2, "activation": "softmax"}])").err,
               Catch::Contains("model.layers[0].batch_norm: must be true or false"));
  REQUIRE(run(R"([{"units": 4, "activation": "relu", "batch_norm": true, "dropout": 0.5},
                  {"units": 2, "activation": "softmax"}])").exit_code == 0);
}

TEST_CASE("the gradient check passes 20 batch-normalized layers, where h = 1e-5 alone is too coarse, and fails a 1% slip",
          "[batch_norm][gradcheck]") {
  Config config = load_config(source_dir() / "configs" / "deep_relu_bn.json");
  config.dtype = DType::float64;
  Trainer<double> trainer(config);
  Tensor<double> x, y;
  trainer.data().train.gather_range(0, 8, x, y);
  trainer.compute_gradients(x, y);
  const auto objective = [&] { return trainer.objective(x, y); };
  // One step only (an infinite tolerance retries nothing): the loss curves so sharply that the quotients are wrong.
  double worst_one_step = 0;
  for (const auto& r : check_gradients(trainer.network().parameters(), objective, kGradientStep, 1e300))
    worst_one_step = std::max(worst_one_step, r.max_relative_error);
  REQUIRE(worst_one_step > 0.1);
  // With the smaller steps the check retries, every parameter agrees; the biases (exactly 0 under batch
  // normalization) count as zeros.
  double smallest_step = kGradientStep;
  for (const auto& r : check_gradients(trainer.network().parameters(), objective)) {
    CAPTURE(r.name);
    REQUIRE(r.max_relative_error < kGradientTolerance);
    smallest_step = std::min(smallest_step, r.smallest_step);
  }
  REQUIRE(smallest_step < kGradientStep);
  // A 1% slip in one layer's dW fails at every step.
  for (double& g : trainer.network().layer(3).weight.grad.values()) g *= 1.01;
  for (const auto& r : check_gradients(trainer.network().parameters(), objective))
    if (r.name == "layers[3].weight") REQUIRE(r.max_relative_error > 0.005);
  // The command says so.
  const auto cli = run_nnlab("gradcheck configs/deep_relu_bn.json");
  REQUIRE(cli.exit_code == 0);
  REQUIRE_THAT(cli.out, Catch::Contains("smallest h") && Catch::Contains("tried again at h/10 and h/100") &&
                            Catch::Contains("all gradients agree"));
}
