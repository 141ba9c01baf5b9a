// What issue #12 added for learners: sparsity, the epoch-0 row, warnings per layer and kind, compare as an
// experiment, init gain, target normalization; and the tutorial's claims, each asserted (not its digits).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "helpers.hpp"
#include "nnlab/diagnostics.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The lines of a text.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    lines.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return lines;
}

// A CSV line split at commas (the metrics file has no quoted cells).
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> result(1);
  for (char c : line)
    if (c == ',')
      result.emplace_back();
    else
      result.back().push_back(c);
  return result;
}

}  // namespace

TEST_CASE("sparsity is the share of a layer's outputs that are exactly zero", "[diagnostics][sparsity]") {
  // 4 samples, x = -1.5, -0.5, 0.5, 1.5; unit 0 passes x (zero for the 2 negative samples), unit 1 -x (zero for the
  // 2 positive ones), unit 2 is off everywhere, unit 3 on everywhere: 2 + 2 + 4 + 0 = 8 of 16 outputs are 0.
  Tensor<double> x(4, 1), y(4, 1);
  for (std::size_t r = 0; r < 4; ++r) x(r, 0) = double(r) - 1.5;
  for (const std::string activation : {"relu", "tanh"}) {
    CAPTURE(activation);
    Config config;
    config.layers = {{4, activation}, {1, "linear"}};
    config.dtype = "float64";
    config.diagnostics = true;
    Trainer<double> trainer(config, Dataset(x, y));
    Dense<double>& layer = trainer.network().layer(0);
    const double weights[4] = {1, -1, 0, 0}, biases[4] = {0, 0, -1, 1};
    for (std::size_t u = 0; u < 4; ++u) layer.weight.value(u, 0) = weights[u], layer.bias.value[u] = biases[u];
    DiagnosticsCollector<double> collector(trainer.network());
    const auto layers = collector.finish_epoch(trainer.data().train);
    REQUIRE(layers[0].sparsity == (activation == "relu" ? 0.5 : 0.0));  // tanh is 0 only at z = 0, never here
    REQUIRE(layers[1].sparsity == 0);
  }
}

TEST_CASE("each kind of warning is said once per layer: a layer whose steps are too big can still be told it died",
          "[diagnostics][cli]") {
  const auto result = run_nnlab("train configs/circle.json --lr 1 --diagnostics --epochs 30 --log-every 10");
  REQUIRE(result.exit_code == 0);
  REQUIRE(count(result.out, "warning: epoch ") >= 2);
  REQUIRE(count(result.out, "layer 0 (relu): each step changes the weights") == 1);
  REQUIRE(count(result.out, "layer 0 (relu): ") >= 2);
  REQUIRE(count(result.out, "of its units are dead") == 1);
  REQUIRE(count(result.out, "layer 0 (relu): 8") + count(result.out, "layer 0 (relu): 7") +
              count(result.out, "layer 0 (relu): 6") + count(result.out, "layer 0 (relu): 5") ==
          1);  // the dead warning, at least 50%
}

TEST_CASE("an epoch-0 row describes the initial weights, before any update", "[diagnostics][cli]") {
  const auto dir = temp_dir("epoch0");
  const std::string metrics = (dir / "m.csv").string();
  const auto result =
      run_nnlab("train configs/circle.json --diagnostics --epochs 3 --metrics " + metrics + " --save " +
                (dir / "model.json").string());
  REQUIRE(result.exit_code == 0);
  REQUIRE_THAT(result.out, Catch::Contains("epoch 0/3  loss") && Catch::Contains("(before training)"));
  const auto rows = lines_of(read_file(metrics));
  REQUIRE(rows.size() == 5);  // header, epochs 0 to 3
  const auto header = cells(rows[0]);
  const auto initial = cells(rows[1]);
  REQUIRE(initial.size() == header.size());
  REQUIRE(initial[0] == "0");
  REQUIRE(cells(rows[2])[0] == "1");
  const auto column = [&](const std::string& name) {
    return std::size_t(std::find(header.begin(), header.end(), name) - header.begin());
  };
  for (const std::string name : {"layer0_dead", "layer0_sparsity", "layer1_sparsity", "layer0_gradient_norm"})
    REQUIRE(column(name) < header.size());
  REQUIRE(initial[column("layer0_gradient_norm")].empty());  // no step yet
  REQUIRE_FALSE(cells(rows[2])[column("layer0_gradient_norm")].empty());
  const double sparsity = std::stod(initial[column("layer0_sparsity")]);
  REQUIRE((sparsity > 0 && sparsity < 1));  // relu at init: about half its outputs are 0

  // Its loss is the loss of the untrained network: a fresh trainer with the same config, evaluated.
  Config config = load_config(source_dir() / "configs" / "circle.json");
  Trainer<float> untrained(config);
  REQUIRE(std::stod(initial[column("loss")]) == Approx(untrained.evaluate(untrained.data().train).loss).epsilon(1e-6));

  // A resumed run keeps the rows it has and adds no second epoch 0.
  const auto resumed = run_nnlab("train configs/circle.json --diagnostics --epochs 4 --metrics " + metrics +
                                 " --resume " + (dir / "model.json").string());
  REQUIRE(resumed.exit_code == 0);
  REQUIRE_THAT(resumed.out, !Catch::Contains("epoch 0/"));
  const auto after = lines_of(read_file(metrics));
  REQUIRE(after.size() == 6);
  REQUIRE(cells(after[1])[0] == "0");
}
