// What issue #12 added for learners: sparsity, the epoch-0 row, warnings per layer and kind, compare as an
// experiment, init gain, target normalization; and the tutorial's claims, each asserted (not its digits).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <regex>

#include "helpers.hpp"
#include "nnlab/diagnostics.hpp"
#include "nnlab/experiment.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/regression.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

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
    config.layers = {{4, kind_from<ActivationKind>(activation, "test")}, {1, ActivationKind::linear}};
    config.dtype = DType::float64;
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

TEST_CASE("compare --seeds starts every activation from the same N initial weight sets", "[compare]") {
  const Config base = load_config(source_dir() / "configs" / "dying_relu.json");
  const auto variants = activation_variants(base, {"relu", "tanh", "elu"}, {.init_gain = 1.5}, 3);
  REQUIRE(variants.size() == 3);
  for (const Variant& variant : variants) REQUIRE(variant.runs.size() == 3);
  std::vector<Tensor<float>> first_of_relu;
  for (std::size_t k = 0; k < 3; ++k) {
    Trainer<float> relu(variants[0].runs[k]);
    first_of_relu.push_back(relu.network().layer(0).weight.value);
    REQUIRE(variants[1].runs[k].seed == base.seed + k);
    REQUIRE(variants[1].runs[k].layers[0].activation.kind == ActivationKind::tanh);
    for (std::size_t v = 1; v < 3; ++v) {
      Trainer<float> other(variants[v].runs[k]);
      for (std::size_t i = 0; i < relu.network().layer_count(); ++i)
        REQUIRE(other.network().layer(i).weight.value == relu.network().layer(i).weight.value);
    }
  }
  REQUIRE_FALSE(first_of_relu[0] == first_of_relu[1]);  // different seeds, different weights
  REQUIRE_FALSE(first_of_relu[1] == first_of_relu[2]);

  const auto dir = temp_dir("compare_seeds");
  const auto result = run_nnlab("compare configs/dying_relu.json --activations relu,elu --seeds 3 --epochs 20 "
                                "--lr 0.02 --target 0.5 --csv " + (dir / "runs.csv").string());
  REQUIRE(result.exit_code == 0);
  REQUIRE_THAT(result.out, Catch::Contains("seeds 2 to 4") && Catch::Contains("the same 3 initial weight sets") &&
                               Catch::Contains("reached") && Catch::Contains(" ± ") && Catch::Contains("/3 "));
  const auto rows = lines_of(read_file(dir / "runs.csv"));
  REQUIRE(rows.size() == 7);
  REQUIRE(rows[0] == "activation,seed,final_loss,accuracy,epochs_to_target,dead_fraction,seconds");
  REQUIRE_THAT(rows[1], Catch::StartsWith("relu,2,"));
  REQUIRE_THAT(rows[3], Catch::StartsWith("relu,4,"));
  REQUIRE_THAT(rows[4], Catch::StartsWith("elu,2,"));
}

TEST_CASE("compare --values compares one config key's values, checked as the config checks them", "[compare]") {
  const auto dir = temp_dir("compare_values");
  const auto result = run_nnlab("compare configs/xor.json --values optimizer.learning_rate=0.1,1 --epochs 5 --csv " +
                                (dir / "v.csv").string());
  REQUIRE(result.exit_code == 0);
  REQUIRE_THAT(result.out, Catch::Contains("comparing 2 values of optimizer.learning_rate"));
  const auto rows = lines_of(read_file(dir / "v.csv"));
  REQUIRE(rows.size() == 3);
  REQUIRE_THAT(rows[0], Catch::StartsWith("optimizer.learning_rate,seed,"));
  REQUIRE_THAT(rows[1], Catch::StartsWith("0.1,"));
  REQUIRE_THAT(rows[2], Catch::StartsWith("1,"));
  // The two runs differ only in the rate: their loss after 5 epochs differs.
  REQUIRE(cells(rows[1])[2] != cells(rows[2])[2]);

  const auto variants = value_variants(source_dir() / "configs" / "xor.json", "model.layers[0].units=2,8", {}, 1);
  REQUIRE(variants[0].runs[0].layers[0].units == 2);
  REQUIRE(variants[1].runs[0].layers[0].units == 8);

  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {"--values optimizer.learning_rat=0.1", "--values optimizer.learning_rat=0.1: " /* then the config's */},
           {"--values optimizer.learning_rat=0.1", "did you mean \"learning_rate\"?"},
           {"--values optimizer.learning_rate=0.1,-1", "optimizer.learning_rate: must be a number greater than 0, got -1"},
           {"--values optimizer.learning_rate=0.1 --lr 2", "optimizer.learning_rate is what --lr sets too"},
           {"--values learning_rate", "expected KEY=v1,v2,..."},
           {"--values model.layers[9].units=3", "no list item [9]"},
           {"", "give --activations A,B,... or --values KEY=v1,v2,..."},
           {"--activations relu --init-gain 0", "--init-gain: must be a number greater than 0"},
           {"--activations relu --init lecun", "--init: unknown init \"lecun\""}}) {
    CAPTURE(c.args);
    const auto error = run_nnlab("compare configs/xor.json " + c.args);
    REQUIRE(error.exit_code == 2);
    REQUIRE_THAT(error.err, Catch::Contains(c.message));
  }
}

TEST_CASE("init_gain multiplies every initial weight, per model or per layer", "[init]") {
  Config config = load_config(source_dir() / "configs" / "xor.json");
  config.dtype = DType::float64;
  config.init = Init::he;
  Trainer<double> plain(config);
  config.init_gain = 2;
  config.layers[1].init_gain = 0.5;
  Trainer<double> scaled(config);
  for (std::size_t i = 0; i < 2; ++i) {
    const double gain = i == 0 ? 2 : 0.5;
    const auto& a = plain.network().layer(i).weight.value;
    const auto& b = scaled.network().layer(i).weight.value;
    for (std::size_t k = 0; k < a.size(); ++k) REQUIRE(b[k] == gain * a[k]);  // exact: a power of two
  }
  // --init and --init-gain on train replace the model's and every layer's own.
  apply_overrides(config, {.init = "xavier", .init_gain = 3});
  REQUIRE(config.init == Init::xavier);
  REQUIRE(config.init_gain == 3);
  REQUIRE_FALSE(config.layers[1].init_gain);
  // The config file's keys, read back from config_to_json.
  config.layers[0].init_gain = 0.25;
  const Config again = parse_config(config_to_json(config), "again.json", ".");
  REQUIRE(again.init_gain == 3);
  REQUIRE(again.layers[0].init_gain == 0.25);
  const auto bad = run_nnlab("train configs/xor.json --init-gain -1");
  REQUIRE(bad.exit_code == 2);
  REQUIRE_THAT(bad.err, Catch::Contains("--init-gain: must be a number greater than 0, got -1"));
}

TEST_CASE("a one-neuron model prints the article's line, then what a non-linear neuron outputs", "[linear_fit][cli]") {
  const auto sigmoid = run_nnlab("train configs/linear_fit_l1.json --epochs 20");
  REQUIRE(sigmoid.exit_code == 0);
  const auto lines = lines_of(sigmoid.out);
  const auto at = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("y = "); });
  REQUIRE(at != lines.end());
  REQUIRE(at + 1 != lines.end());
  REQUIRE(*(at + 1) == "(the neuron outputs sigmoid(" + at->substr(4) + "))");

  const auto linear = run_nnlab("train configs/linear_fit.json --epochs 20");
  REQUIRE_THAT(linear.out, Catch::Contains("\ny = ") && !Catch::Contains("the neuron outputs"));

  // Several inputs: the features by name, and a note that they are the normalized ones.
  const auto dir = temp_dir("two_inputs");
  std::ofstream(dir / "two.json") << R"({"data": {"train": {"generate": "xor", "samples": 40, "seed": 1},
    "normalize": "standard"}, "model": {"layers": [{"units": 1, "activation": "sigmoid"}]},
    "loss": "binary_cross_entropy", "training": {"epochs": 2}})";
  const auto two = run_nnlab("train " + (dir / "two.json").string());
  REQUIRE(two.exit_code == 0);
  REQUIRE_THAT(two.out, Catch::Contains(" * x1 + ") && Catch::Contains(" * x2 + ") &&
                            Catch::Contains("(the neuron outputs sigmoid(") &&
                            Catch::Contains("(the inputs are after data.normalize \"standard\")"));
}

TEST_CASE("a normalized regression target round-trips: predict answers in the target's own units", "[regression]") {
  Tensor<double> x(4, 1), y(4, 1);
  for (std::size_t r = 0; r < 4; ++r) x(r, 0) = double(r), y(r, 0) = 1e5 * double(r + 1);
  Dataset data(x, y);
  for (const NormalizationKind kind : {NormalizationKind::standard, NormalizationKind::minmax}) {
    CAPTURE(name_of(kind));
    const Normalization n = fit_target_normalization(data, kind);
    Dataset scaled = data;
    normalize_targets(scaled, n);
    if (kind == NormalizationKind::minmax) REQUIRE((scaled.targets()(0, 0) == 0 && scaled.targets()(3, 0) == 1));
    if (kind == NormalizationKind::standard) REQUIRE(std::abs(target_spread(scaled) - 1) < 1e-12);
    Tensor<double> back = scaled.targets();
    denormalize(back, n);
    for (std::size_t r = 0; r < 4; ++r) REQUIRE(back(r, 0) == Approx(y(r, 0)).epsilon(1e-14));
  }

  // Through the CLI: train on the houses with the target scaled, save, predict every row; the RMSE of the
  // predictions against the file's prices is the train RMSE the run reported, in euros.
  const auto dir = temp_dir("houses");
  std::ofstream(dir / "houses.json") << R"({"data": {"train": ")" << (source_dir() / "data" / "houses.csv").string()
                                     << R"(", "target": "price", "normalize": "standard",
      "normalize_target": "standard"}, "model": {"layers": [{"units": 4, "activation": "relu"},
      {"units": 1, "activation": "linear"}], "init": "he"}, "loss": "mse",
      "optimizer": {"learning_rate": 0.02, "momentum": 0.9, "batch_size": 16},
      "training": {"epochs": 15, "seed": 1, "dtype": "float64"}})";
  const std::string model = (dir / "m.json").string();
  const auto run = run_nnlab("train " + (dir / "houses.json").string() + " --save " + model);
  REQUIRE(run.exit_code == 0);
  REQUIRE_THAT(run.out, Catch::Contains("is normalized (data.normalize_target \"standard\")"));
  const auto at = run.out.find("train rmse ");
  REQUIRE(at != std::string::npos);
  const double reported = std::stod(run.out.substr(at + 11));
  const auto predicted = run_nnlab("predict --model " + model + " --input data/houses.csv");
  REQUIRE(predicted.exit_code == 0);
  const auto rows = lines_of(predicted.out), truth = lines_of(read_file(source_dir() / "data" / "houses.csv"));
  REQUIRE(rows[0] == "price");
  REQUIRE(rows.size() == truth.size());
  double squares = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) squares += std::pow(std::stod(rows[r]) - std::stod(cells(truth[r])[3]), 2);
  const double rmse = std::sqrt(squares / double(rows.size() - 1));
  REQUIRE(rmse == Approx(reported).epsilon(5e-6));  // the line shows 6 significant digits
  REQUIRE(rmse < 60000);  // it learned something: the prices' spread is about 165000
  REQUIRE(load_model(model).schema.target_normalization.kind == NormalizationKind::standard);

  // Without the target scaled the same run diverges, and the tripwire's hint names the scale and the key.
  const auto diverged = run_nnlab("train configs/houses.json --lr 0.05 --epochs 3");
  REQUIRE(diverged.exit_code == 0);  // configs/houses.json has the target scaled: it trains
  std::ofstream(dir / "raw.json") << std::regex_replace(read_file(dir / "houses.json"),
                                                        std::regex("\"normalize_target\": \"standard\""),
                                                        "\"normalize_target\": \"none\"");
  const auto raw = run_nnlab("train " + (dir / "raw.json").string());
  REQUIRE(raw.exit_code != 0);
  REQUIRE_THAT(raw.err, Catch::Contains("the target's spread (standard deviation 1") &&
                            Catch::Contains("set data.normalize_target \"standard\""));

  std::ofstream(dir / "bad.json") << R"({"data": {"train": {"generate": "xor"}, "normalize_target": "standard"},
      "model": {"layers": [{"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy"})";
  const auto bad = run_nnlab("train " + (dir / "bad.json").string());
  REQUIRE(bad.exit_code == 2);
  REQUIRE_THAT(bad.err, Catch::Contains("data.normalize_target: scales a regression target (loss mse)"));
}

TEST_CASE("a version-1 model file (before normalize_target) still loads and predicts", "[regression][model_io]") {
  const auto path = fixture_path("model_v1_linear.json");
  const SavedModel model = load_model(path);
  REQUIRE(model.schema.target_normalization.kind == NormalizationKind::none);
  const double m = model.parameters[0].values[0], b = model.parameters[1].values[0];
  const auto predicted = run_nnlab("predict --model " + path.string() + " --input data/linear.csv");
  REQUIRE(predicted.exit_code == 0);
  const auto rows = lines_of(predicted.out);
  REQUIRE(rows.size() == 6);
  for (std::size_t x = 0; x < 5; ++x) REQUIRE(std::stod(rows[x + 1]) == Approx(m * double(x) + b).epsilon(1e-15));
  // What is written today is version 2, and a version from the future is refused by name.
  const auto dir = temp_dir("v3");
  std::ofstream(dir / "v3.json") << std::regex_replace(read_file(path), std::regex("\"version\":1"), "\"version\":4");
  const auto future = run_nnlab("predict --model " + (dir / "v3.json").string() + " --input data/linear.csv");
  REQUIRE(future.exit_code == 2);
  REQUIRE_THAT(future.err, Catch::Contains("format version 4, this nnlab reads versions 1 to 3"));
}
