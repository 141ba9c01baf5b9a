// binary_cross_entropy on soft targets: a CSV column of probabilities is read as such (not as classes), the loss and
// its gradient σ(z) − t are the usual ones, accuracy counts the side of 0.5, and a target outside [0, 1] is refused.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "nnlab/config.hpp"
#include "nnlab/data.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/losses.hpp"
#include "nnlab/network.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

const std::string kBceModel =
    R"("model": {"layers": [{"units": 1, "activation": "sigmoid"}]}, "loss": "binary_cross_entropy")";

// Loads the data of a config that trains on `train` (and tests on `test`, when given) with target column "p".
DataSplits load_with(const std::filesystem::path& dir, const std::string& train, const std::string& model = kBceModel,
                     const std::string& test = "") {
  std::ofstream(dir / "c.json") << R"({"data": {"train": ")" + train + R"(", "target": "p")" +
                                       (test.empty() ? "" : R"(, "test": ")" + test + "\"") + "}, " + model + "}";
  return load_data(load_config(dir / "c.json"));
}

std::vector<double> column(const Dataset& data) {
  const auto values = data.targets().values();
  return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("soft-target binary cross-entropy matches numpy, and its gradient central differences",
          "[losses][soft_targets][gradcheck]") {
  const auto fixture = load_fixture("losses.json");
  const auto& expected = fixture["binary_cross_entropy_soft"];
  const Tensor<double> target = matrix(expected["target"]);
  REQUIRE(target(0, 1) == 0.5);  // the fixture holds real probabilities, not only 0 and 1
  auto loss = make_loss<double>(LossKind::binary_cross_entropy);
  Parameter<double> output{"output", ParameterKind::weight, matrix(fixture["output"]), {}};
  REQUIRE(loss->value(output.value, target) == Approx(expected["value"].get<double>()).epsilon(1e-12));
  loss->gradient(output.value, target, output.grad);
  const Tensor<double> expected_gradient = matrix(expected["gradient"]);
  for (std::size_t i = 0; i < output.grad.size(); ++i)
    REQUIRE(output.grad[i] == Approx(expected_gradient[i]).epsilon(1e-12).margin(1e-16));
  const auto results = check_gradients({&output}, [&] { return loss->value(output.value, target); });
  REQUIRE(results[0].max_abs_gradient > kNonTrivialGradient);
  REQUIRE(results[0].max_relative_error < kGradientRelative);
}

TEST_CASE("binary_cross_entropy reads a column of probabilities as soft targets and labels as classes",
          "[data][soft_targets]") {
  const auto dir = temp_dir("soft_targets");
  std::ofstream(dir / "soft.csv") << "x,p\n1,0.2\n2,0.8\n3,0.8\n4,0.2\n";
  std::ofstream(dir / "smoothed.csv") << "x,p\n1,0.05\n2,0.95\n3,0.5\n4,1\n5,0\n";
  std::ofstream(dir / "bits.csv") << "x,p\n1,0\n2,1\n3,1\n";
  std::ofstream(dir / "pairs.csv") << "x,p\n1,2\n2,1\n3,2\n";
  std::ofstream(dir / "names.csv") << "x,p\n1,yes\n2,no\n3,yes\n";

  // A 0.2/0.8 column used to become two classes (and the targets 0 and 1); it is now the probabilities themselves.
  const DataSplits soft = load_with(dir, "soft.csv");
  REQUIRE(soft.schema.soft_targets);
  REQUIRE(soft.schema.class_names.empty());
  REQUIRE(soft.schema.accuracy_classes() == 2);
  REQUIRE(column(soft.train) == std::vector<double>{0.2, 0.8, 0.8, 0.2});
  REQUIRE(column(load_with(dir, "smoothed.csv").train) == std::vector<double>{0.05, 0.95, 0.5, 1, 0});

  // Class labels keep working as before: 0/1, any two whole numbers, names.
  const DataSplits bits = load_with(dir, "bits.csv");
  REQUIRE_FALSE(bits.schema.soft_targets);
  REQUIRE(bits.schema.class_names == std::vector<std::string>{"0", "1"});
  REQUIRE(column(bits.train) == std::vector<double>{0, 1, 1});
  const DataSplits pairs = load_with(dir, "pairs.csv");
  REQUIRE(pairs.schema.class_names == std::vector<std::string>{"1", "2"});
  REQUIRE(column(pairs.train) == std::vector<double>{1, 0, 1});
  REQUIRE(load_with(dir, "names.csv").schema.class_names == std::vector<std::string>{"no", "yes"});

  // Other losses read the column as before: cross_entropy makes classes of 0.2 and 0.8, mse takes the numbers.
  const std::string softmax = R"("model": {"layers": [{"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy")";
  const DataSplits classes = load_with(dir, "soft.csv", softmax);
  REQUIRE(classes.schema.class_names == std::vector<std::string>{"0.2", "0.8"});
  REQUIRE_FALSE(classes.schema.soft_targets);
  const std::string linear = R"("model": {"layers": [{"units": 1, "activation": "linear"}]}, "loss": "mse")";
  REQUIRE_FALSE(load_with(dir, "soft.csv", linear).schema.soft_targets);

  // The test set is read the way the training set was: 0/1 beside soft training targets are probabilities too.
  const DataSplits with_test = load_with(dir, "soft.csv", kBceModel, "bits.csv");
  REQUIRE(column(with_test.test) == std::vector<double>{0, 1, 1});
  REQUIRE_THROWS_WITH(load_with(dir, "soft.csv", kBceModel, "names.csv"),
                      Catch::Contains("names.csv:2:3: column \"p\": \"yes\" is not a finite number"));
  // One output unit: the probability of the target.
  const std::string two = R"("model": {"layers": [{"units": 2, "activation": "sigmoid"}]}, "loss": "binary_cross_entropy")";
  REQUIRE_THROWS_WITH(load_with(dir, "soft.csv", two),
                      Catch::Contains("binary_cross_entropy needs 1 output unit (the probability of its target); the "
                                      "model has 2"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a soft target outside [0, 1] is refused with its row", "[data][soft_targets]") {
  const auto dir = temp_dir("soft_range");
  std::ofstream(dir / "high.csv") << "x,p\n1,0.2\n2,0.8\n3,1.5\n4,0.3\n";
  std::ofstream(dir / "negative.csv") << "x,p\n1,0.2\n2, -0.1\n";
  std::ofstream(dir / "three.csv") << "x,p\n1,0\n2,1\n3,2\n";
  REQUIRE_THROWS_WITH(load_with(dir, "high.csv"),
                      Catch::StartsWith((dir / "high.csv").string() + ":4:3: column \"p\": target 1.5 is outside "
                                                                      "[0, 1]; binary_cross_entropy reads a column of "
                                                                      "numbers as probabilities"));
  REQUIRE_THROWS_WITH(load_with(dir, "negative.csv"), Catch::Contains("negative.csv:3:3: column \"p\": target -0.1 is"));
  // Three whole numbers are not two classes: the row of the one outside [0, 1] is named, and cross_entropy suggested.
  REQUIRE_THROWS_WITH(load_with(dir, "three.csv"), Catch::Contains("three.csv:4:3: column \"p\": target 2 is outside") &&
                                                       Catch::Contains("for more classes use cross_entropy"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("soft-target accuracy counts the side of 0.5, and 0.5 itself is the upper side", "[trainer][soft_targets]") {
  Config config;
  config.layers = {{1, ActivationKind::sigmoid}};
  config.loss = LossKind::binary_cross_entropy;
  config.init = Init::zeros;
  Rng rng(0);
  Network<double> network(1, config.layers, model_init(config), rng);  // zero weights and bias: every output is σ(0) = 0.5
  const auto loss = make_loss<double>(LossKind::binary_cross_entropy);
  const Tensor<double> inputs(4, 1, 1.0);
  const Dataset data(inputs, matrix(nlohmann::json::parse("[0.5, 0.7, 0.2, 0.49]")));
  // The output 0.5 is on the upper side; so are the targets 0.5 and 0.7, while 0.2 and 0.49 are not.
  const Evaluation result = evaluate(network, *loss, data, 2);
  REQUIRE(result.accuracy);
  REQUIRE(*result.accuracy == 0.5);
  network.layer(0).bias.value[0] = -1;  // outputs σ(−1) ≈ 0.27: now the lower two are right
  REQUIRE(*evaluate(network, *loss, data, 2).accuracy == 0.5);
  network.layer(0).bias.value[0] = 0.1;
  network.layer(0).weight.value[0] = 0;
  const Dataset upper(inputs, matrix(nlohmann::json::parse("[0.5, 0.5, 0.9, 1]")));
  REQUIRE(*evaluate(network, *loss, upper, 2).accuracy == 1.0);
}

TEST_CASE("a soft-target run through the CLI matches numpy epoch by epoch and predicts probabilities",
          "[cli][soft_targets][training]") {
  const auto fixture = load_fixture("soft_targets.json");
  const auto dir = temp_dir("soft_cli");
  const Tensor<double> x = matrix(fixture["x"]), p = matrix(fixture["p"]);
  {
    std::ofstream train(dir / "train.csv"), inputs(dir / "inputs.csv");
    train << "x1,x2,p\n";
    inputs << "x1,x2\n";
    for (std::size_t r = 0; r < x.rows(); ++r) {
      train << round_trip(x(r, 0)) << ',' << round_trip(x(r, 1)) << ',' << round_trip(p[r]) << '\n';
      inputs << round_trip(x(r, 0)) << ',' << round_trip(x(r, 1)) << '\n';
    }
  }
  const auto& epochs = fixture["epochs"];
  std::ofstream(dir / "c.json") << R"({"data": {"train": "train.csv", "target": "p"},
      "model": {"layers": [{"units": 1, "activation": "sigmoid"}], "init": "zeros"}, "loss": "binary_cross_entropy",
      "optimizer": {"learning_rate": )" << round_trip(fixture["learning_rate"].get<double>())
                                << R"(, "batch_size": 0}, "training": {"epochs": )" << epochs.size()
                                << R"(, "dtype": "float64"}})";
  const std::string d = "'" + dir.string() + "/";
  const auto trained = run_nnlab("train " + d + "c.json' --quiet --metrics " + d + "m.csv' --save " + d + "m.json'");
  INFO(trained.err);
  REQUIRE(trained.exit_code == 0);
  REQUIRE(trained.out.find("confusion") == std::string::npos);  // soft targets have no classes to confuse

  std::istringstream metrics(read_file(dir / "m.csv"));
  std::string line;
  std::getline(metrics, line);
  REQUIRE(line.rfind("epoch,loss,data_loss,penalty,validation_loss,train_accuracy,", 0) == 0);
  for (const auto& expected : epochs) {
    REQUIRE(std::getline(metrics, line));
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    CAPTURE(line);
    REQUIRE(std::stod(cells[0]) == expected["epoch"].get<double>());
    REQUIRE(std::stod(cells[1]) == Approx(expected["loss"].get<double>()).epsilon(kGoldenRelative));
    REQUIRE(std::stod(cells[5]) == expected["accuracy"].get<double>());
  }

  // Predictions of a soft-target model: one column named after the target, the probability σ(z).
  const auto predicted = run_nnlab("predict --model " + d + "m.json' --input " + d + "inputs.csv'");
  INFO(predicted.err);
  REQUIRE(predicted.exit_code == 0);
  std::istringstream out(predicted.out);
  std::getline(out, line);
  REQUIRE(line == "p");
  for (const auto& expected : fixture["predictions"]) {
    REQUIRE(std::getline(out, line));
    REQUIRE(std::stod(line) == Approx(expected.get<double>()).epsilon(kGoldenRelative));
  }
  REQUIRE_FALSE(std::getline(out, line));
  std::filesystem::remove_all(dir);
}
