// nnlab explain shows the step nnlab train takes: the same batch, the same numbers, bit for bit.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <regex>

#include "helpers.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// A small classification config on generated data; `optimizer` and `regularization` are spliced in as JSON members.
std::filesystem::path write_config(const std::filesystem::path& dir, const std::string& name, const std::string& layers,
                                   const std::string& loss, const std::string& optimizer,
                                   const std::string& regularization = "") {
  const auto path = dir / (name + ".json");
  std::ofstream(path) << R"({
    "data": {"train": {"generate": "spiral", "samples": 40, "noise": 0.1, "seed": 4, "classes": 2},
             "normalize": "standard"},
    "model": {"layers": )" << layers << R"(, "init": "xavier"},
    "loss": ")" << loss << R"(",
    "optimizer": {"learning_rate": 0.3)" << optimizer << R"(},
    "regularization": {)" << regularization << R"(},
    "training": {"epochs": 50, "seed": 3, "dtype": "float64"}})";
  return path;
}

std::vector<double> values_of(Network<double>& network) {
  std::vector<double> values;
  for (auto* p : network.parameters())
    for (double v : p->value.values()) values.push_back(v);
  return values;
}

std::vector<double> after_values(const nlohmann::json& step) {
  std::vector<double> values;
  for (const auto& p : step["parameters"])
    for (const auto& row : p["after"])
      for (const auto& v : row) values.push_back(v.get<double>());
  return values;
}

nlohmann::json explain_json(const std::string& arguments) {
  const auto result = run_nnlab("explain " + arguments + " --json");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return nlohmann::json::parse(result.out);
}

}  // namespace

TEST_CASE("explain shows the article's first full-batch step on linear_fit_l1", "[explain][cli]") {
  const auto result = run_nnlab("explain configs/linear_fit_l1.json");
  REQUIRE(result.exit_code == 0);
  // All five rows, zero weights: z = 0, σ(z) = 0.5, dL/dσ = 2·(0.5 − t)/5, dL/dz = that · 0.25, averaged gradient
  // dL/dW = Σ x·dL/dz = −5.5 and dL/db = −1.75; L1's subgradient at w = 0 is 0; lr 0.01 moves w to 0.055, b to 0.0175.
  REQUIRE_THAT(result.out, Catch::Contains("epoch 1, batch 1 of 1: all 5 training rows") &&
                               Catch::Contains("input X (5x1) by row = [0, 1, 2, 3, 4]") &&
                               Catch::Contains("dL/d(output) (5x1) by row = [0.2, -0.6, -1.4, -2.2, -3]") &&
                               Catch::Contains("dL/dW = dL/dz^T * input (1x1) = [-5.5]") &&
                               Catch::Contains("dL/db = sum of dL/dz's rows (1x1) = [-1.75]") &&
                               Catch::Contains("penalty gradient (1x1) = [0]") &&
                               Catch::Contains("value after (1x1) = [0.055]") &&
                               Catch::Contains("value after (1x1) = [0.0175]"));
  // ... which is where nnlab train is after its first epoch.
  REQUIRE_THAT(run_nnlab("train configs/linear_fit_l1.json --epochs 1").out, Catch::Contains("y = 0.055 * x + 0.0175"));
  Config config = load_config(source_dir() / "configs" / "linear_fit_l1.json");
  config.epochs = 1;
  Trainer<double> trainer(config);
  trainer.run();
  REQUIRE(after_values(explain_json("configs/linear_fit_l1.json")) == values_of(trainer.network()));
}

TEST_CASE("explain's values after equal training's, bit for bit", "[explain][cli]") {
  const auto dir = temp_dir("explain");
  const std::string tanh = R"([{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "softmax"}])";
  const std::string prelu = R"([{"units": 4, "activation": "prelu"}, {"units": 2, "activation": "softmax"}])";
  const std::string sigmoid = R"([{"units": 4, "activation": "elu"}, {"units": 1, "activation": "sigmoid"}])";
  const std::string linear = R"([{"units": 3, "activation": "relu"}, {"units": 1, "activation": "linear"}])";
  const std::string bn_dropout = R"([{"units": 4, "activation": "tanh", "batch_norm": true, "dropout": 0.5},
                                     {"units": 2, "activation": "softmax"}])";
  struct Case {
    std::string name, layers, loss, optimizer, regularization;
    std::size_t epochs;
  };
  const std::vector<Case> cases = {
      {"plain", tanh, "cross_entropy", "", "", 1},
      {"momentum", tanh, "cross_entropy", R"(, "momentum": 0.9)", "", 3},
      {"nesterov", tanh, "cross_entropy", R"(, "momentum": 0.9, "nesterov": true)", "", 3},
      {"l1", tanh, "cross_entropy", "", R"("l1": 0.01, "include_bias": true)", 2},
      {"proximal", tanh, "cross_entropy", "", R"("l1": 0.05, "l1_proximal": true)", 2},
      {"l2", tanh, "cross_entropy", "", R"("l2": 0.1, "l2_per_sample": true)", 2},
      {"prelu", prelu, "cross_entropy", R"(, "momentum": 0.5)", "", 2},
      {"schedule", tanh, "cross_entropy", R"(, "schedule": {"type": "step", "step_every": 1, "gamma": 0.5})", "", 3},
      {"minibatch", tanh, "cross_entropy", R"(, "batch_size": 16, "momentum": 0.9)", R"("l2": 0.01)", 2},
      {"bce", sigmoid, "binary_cross_entropy", R"(, "batch_size": 8)", "", 1},
      {"mse", linear, "mse", R"(, "momentum": 0.9, "nesterov": true)", "", 2},
      {"batch norm and dropout", bn_dropout, "cross_entropy", R"(, "batch_size": 8, "momentum": 0.9)", "", 2},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto path = write_config(dir, c.name, c.layers, c.loss, c.optimizer, c.regularization);
    Config config = load_config(path);
    config.epochs = c.epochs;
    Trainer<double> trainer(config);
    trainer.run();
    const std::size_t steps = c.epochs * trainer.batches_per_epoch();
    const nlohmann::json step = explain_json("'" + path.string() + "' --batch " + std::to_string(steps));
    REQUIRE(step["epoch"] == c.epochs);
    REQUIRE(step["batch"] == trainer.batches_per_epoch());
    REQUIRE(after_values(step) == values_of(trainer.network()));
  }
  // From a saved model: the step after the model's last one.
  const auto path = write_config(dir, "resumed", tanh, "cross_entropy", R"(, "momentum": 0.9)");
  const std::string model = (dir / "model.json").string();
  REQUIRE(run_nnlab("train '" + path.string() + "' --epochs 2 --quiet --save '" + model + "'").exit_code == 0);
  Config config = load_config(path);
  config.epochs = 3;
  Trainer<double> trainer(config);
  trainer.run();
  const nlohmann::json step = explain_json("'" + path.string() + "' --model '" + model + "'");
  REQUIRE(step["epoch"] == 3);
  REQUIRE(after_values(step) == values_of(trainer.network()));
  std::filesystem::remove_all(dir);
}

TEST_CASE("explain's record holds every intermediate of the step", "[explain][cli]") {
  const auto dir = temp_dir("explain_record");
  const auto path = write_config(dir, "record", R"([{"units": 3, "activation": "tanh"}, {"units": 2, "activation": "softmax"}])",
                                 "cross_entropy", R"(, "momentum": 0.9, "batch_size": 8)", R"("l1": 0.01, "l1_proximal": true)");
  const nlohmann::json step = explain_json("'" + path.string() + "' --batch 2");
  REQUIRE(step["rows"].size() == 8);
  REQUIRE(step["layers"].size() == 2);
  for (const char* key : {"z", "f_z", "d_z", "d_weight", "d_bias"}) REQUIRE(step["layers"][0][key].size() > 0);
  REQUIRE(step["layers"][0]["f_prime_z"].size() == 8);
  REQUIRE(step["layers"][0]["d_output"].size() == 8);
  REQUIRE(step["layers"][1]["d_output"].is_null());  // cross_entropy's head gives dL/dz directly
  const auto& weight = step["parameters"][0];
  REQUIRE(weight["name"] == "layers[0].weight");
  // Momentum, then proximal L1: after_update = before − lr·v_after, after = the shrink of after_update.
  const double lr = weight["learning_rate"], momentum = 0.9, threshold = lr * 0.01;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 2; ++j) {
      const double g = weight["gradient"][i][j], v0 = weight["velocity_before"][i][j], v1 = weight["velocity_after"][i][j];
      REQUIRE(v1 == Approx(momentum * v0 + g).epsilon(1e-12));
      const double moved = weight["after_update"][i][j];
      REQUIRE(moved == Approx(double(weight["before"][i][j]) - lr * v1).epsilon(1e-12));
      const double expected = std::abs(moved) <= threshold ? 0.0 : moved - threshold * (moved > 0 ? 1 : -1);
      REQUIRE(double(weight["after"][i][j]) == Approx(expected).epsilon(1e-12).margin(1e-15));
    }
  REQUIRE(run_nnlab("explain '" + path.string() + "' --batch 0").exit_code != 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("explain shows batch norm and dropout as the step runs them", "[explain][cli]") {
  const auto dir = temp_dir("explain_bn");
  const auto path = write_config(dir, "bn", R"([{"units": 3, "activation": "tanh", "batch_norm": true, "dropout": 0.5},
                                                {"units": 2, "activation": "softmax"}])",
                                 "cross_entropy", R"(, "batch_size": 8)");
  const nlohmann::json step = explain_json("'" + path.string() + "'");
  const auto& layer = step["layers"][0];
  const auto at = [](const nlohmann::json& m, std::size_t r, std::size_t c) { return m[r][c].get<double>(); };
  const std::size_t n = 8, units = 3;
  std::size_t dropped = 0;
  for (std::size_t u = 0; u < units; ++u) {
    // batch_norm.cpp on the batch's own statistics (biased variance), and the running ones moved by 0.1
    double mean = 0, variance = 0;
    for (std::size_t r = 0; r < n; ++r) mean += at(layer["linear"], r, u) / n;
    for (std::size_t r = 0; r < n; ++r) variance += (at(layer["linear"], r, u) - mean) * (at(layer["linear"], r, u) - mean) / n;
    REQUIRE(at(layer["batch_mean"], 0, u) == Approx(mean).epsilon(1e-12).margin(1e-15));
    REQUIRE(at(layer["batch_variance"], 0, u) == Approx(variance).epsilon(1e-12));
    REQUIRE(at(layer["running_mean_after"], 0, u) == Approx(0.1 * mean).epsilon(1e-12).margin(1e-15));
    REQUIRE(at(layer["running_var_after"], 0, u) == Approx(0.9 + 0.1 * variance * n / (n - 1)).epsilon(1e-12));
    const double s = std::sqrt(variance + 1e-5);
    double sum_dz = 0, d_gamma = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const double normalized = (at(layer["linear"], r, u) - mean) / s;  // γ = 1, β = 0 before the first step
      REQUIRE(at(layer["z"], r, u) == Approx(normalized).epsilon(1e-12).margin(1e-15));
      // f(z) before dropout, f'(z) from it (not from the dropped output), then the mask on both passes
      const double f = at(layer["f_z"], r, u), m = at(layer["dropout_multiplier"], r, u);
      REQUIRE(f == Approx(std::tanh(normalized)).epsilon(1e-12).margin(1e-15));
      REQUIRE(at(layer["f_prime_z"], r, u) == Approx(1 - f * f).epsilon(1e-12));
      REQUIRE((m == 0 || m == 2));
      dropped += m == 0;
      REQUIRE(at(layer["output"], r, u) == f * m);
      REQUIRE(at(layer["d_f_z"], r, u) == at(layer["d_output"], r, u) * m);
      REQUIRE(at(layer["d_z"], r, u) == Approx(at(layer["d_f_z"], r, u) * (1 - f * f)).epsilon(1e-12).margin(1e-15));
      sum_dz += at(layer["d_z"], r, u);
      d_gamma += at(layer["d_z"], r, u) * normalized;
    }
    for (std::size_t r = 0; r < n; ++r) {
      const double normalized = (at(layer["linear"], r, u) - mean) / s;
      const double d_linear = (at(layer["d_z"], r, u) - sum_dz / n - normalized * d_gamma / n) / s;
      REQUIRE(at(layer["d_linear"], r, u) == Approx(d_linear).epsilon(1e-9).margin(1e-12));
    }
  }
  REQUIRE(dropped > 0);
  REQUIRE(dropped < n * units);
  const auto text = run_nnlab("explain '" + path.string() + "'");
  REQUIRE(text.exit_code == 0);
  REQUIRE_THAT(text.out, Catch::Contains("layer 0 (tanh, batch norm, dropout 0.5)") &&
                             Catch::Contains("l = X * W^T + b (8x3)") && Catch::Contains("running var (1x3)") &&
                             Catch::Contains("dropout m = 0 or 1/(1 - 0.5) (8x3)") &&
                             Catch::Contains("dL/df(z) = dL/d(output) * m") && Catch::Contains("dL/dl (8x3)") &&
                             Catch::Contains("dL/dW = dL/dl^T * input (3x2)"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("explain says what it changes about the run and refuses steps the run never takes", "[explain][cli]") {
  // xor trains in float32; explain computes in float64 and says so.
  REQUIRE_THAT(run_nnlab("explain configs/xor.json").out,
               Catch::Contains("in float64 (the config trains in float32"));
  REQUIRE_THAT(run_nnlab("explain configs/linear_fit_l1.json").out, !Catch::Contains("in float64"));
  // A per-sample penalty is divided by the training rows, in the settings and in the proximal rule.
  REQUIRE_THAT(run_nnlab("explain configs/linear_fit_l2.json").out, Catch::Contains("l2 0.1 / 5 rows"));
  const auto dir = temp_dir("explain_per_sample");
  const std::string config = (dir / "sparse.json").string();
  std::string text = std::regex_replace(read_file(source_dir() / "configs" / "sparse_l1.json"),
                                        std::regex("\"l1_proximal\": true"),
                                        "\"l1_proximal\": true, \"l1_per_sample\": true");
  text = std::regex_replace(text, std::regex("\\.\\./data/"), (source_dir() / "data").string() + "/");
  std::ofstream(config) << text;
  const auto per_sample = run_nnlab("explain '" + config + "'");
  REQUIRE(per_sample.exit_code == 0);
  REQUIRE_THAT(per_sample.out, Catch::Contains("l1 0.05 / 200 rows (proximal)") &&
                                   Catch::Contains("max(|w| - lr * l1 / 200, 0)"));
  // linear_fit_l1 has 1000 epochs of one batch: step 1000 exists, 1001 does not.
  REQUIRE(run_nnlab("explain configs/linear_fit_l1.json --batch 1000").exit_code == 0);
  const auto beyond = run_nnlab("explain configs/linear_fit_l1.json --batch 1001");
  REQUIRE(beyond.exit_code == 2);
  REQUIRE_THAT(beyond.err, Catch::Contains("error: --batch: the run has 1000 steps left (1000 epochs of 1 batch), "
                                           "got 1001"));
  // A model whose run has ended is still explained from where it stands, without --batch or with --sample.
  const std::string model = (dir / "fit.json").string();
  REQUIRE(run_nnlab("train configs/linear_fit_l1.json --quiet --save '" + model + "'").exit_code == 0);
  REQUIRE_THAT(run_nnlab("explain configs/linear_fit_l1.json --model '" + model + "'").out,
               Catch::Contains("epoch 1001, batch 1 of 1"));
  REQUIRE(run_nnlab("explain configs/linear_fit_l1.json --model '" + model + "' --sample 0").exit_code == 0);
  REQUIRE(run_nnlab("explain configs/linear_fit_l1.json --model '" + model + "' --batch 2").exit_code == 2);
  std::filesystem::remove_all(dir);
}
