#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "helpers.hpp"
#include "nnlab/config.hpp"
#include "nnlab/errors.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

const std::string kValid = R"({
  "data": {"train": "data.csv", "features": ["x"], "target": "y"},
  "model": {"layers": [{"units": 4, "activation": "relu"}, {"units": 1, "activation": "linear"}], "init": "he"},
  "loss": "mse",
  "optimizer": {"learning_rate": 0.1, "momentum": 0.9, "batch_size": 2},
  "regularization": {"l2": 0.001},
  "training": {"epochs": 10, "seed": 4, "log_every": 2, "dtype": "float64"}
})";

Config parse(const std::string& text) { return parse_config(text, "test.json", "/configs"); }

// kValid with one substring replaced: each error case is the valid config with one mistake.
std::string with(const std::string& from, const std::string& to) {
  std::string text = kValid;
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a valid config parses into plain values", "[config]") {
  const Config config = parse(kValid);
  REQUIRE(config.data.train.csv == std::filesystem::path("/configs/data.csv"));
  REQUIRE(config.data.features == std::vector<std::string>{"x"});
  REQUIRE(config.layers.size() == 2);
  REQUIRE(config.layers[0].units == 4);
  REQUIRE(config.optimizer.learning_rate == 0.1);
  REQUIRE(config.optimizer.momentum == 0.9);
  REQUIRE(config.batch_size == 2);
  REQUIRE(config.regularization.l2 == 0.001);
  REQUIRE_FALSE(config.regularization.include_bias);
  REQUIRE(config.epochs == 10);
  REQUIRE(config.seed == 4);
  REQUIRE(config.dtype == DType::float64);
  REQUIRE_FALSE(config.layers[0].init);  // the layer sets none: it takes model.init
  REQUIRE(weight_init(config.layers[0], model_init(config)).init == Init::he);
}

TEST_CASE("config errors name the file, the JSON path and the problem", "[config][errors]") {
  struct Case {
    std::string text;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {R"({"data": {"train": "a.csv",}})", {"test.json:1:28: invalid JSON", "expected string literal",
                                            "(a comma before '}': JSON allows none after the last item)"}},
      {with("\"relu\"}, ", "\"relu\"}, ]"), {"test.json:3:", "(a comma before ']': JSON allows none after the last item)"}},
      {with("\"loss\": \"mse\"", "'loss': 'mse'"),
       {"test.json:4:3: invalid JSON", "(JSON strings take double quotes: \"name\", not 'name')"}},
      {with("\"optimizer\"", "\"optimiser\""), {"test.json: optimiser: unknown key", "did you mean \"optimizer\"?"}},
      {with("learning_rate", "learnin_rate"), {"optimizer.learnin_rate: unknown key", "\"learning_rate\""}},
      {with("\"epochs\": 10", "\"epochs\": \"10\""), {"training.epochs: must be a whole number from 1 to 1000000000, got a string"}},
      {with("\"epochs\": 10", "\"epochs\": 2.5"), {"training.epochs: must be a whole number from 1 to 1000000000, got 2.5"}},
      {with("\"epochs\": 10", "\"epochs\": 0"), {"training.epochs: must be a whole number from 1"}},
      {with("0.1, \"momentum\"", "-0.1, \"momentum\""), {"optimizer.learning_rate: must be a number greater than 0",
                                                        "got -0.1"}},
      {with("0.9", "1.0"), {"optimizer.momentum: must be at least 0 and below 1"}},
      {with("\"units\": 4", "\"units\": 0"), {"model.layers[0].units: must be a whole number from 1"}},
      {with("\"units\": 4", "\"units\": -4"), {"model.layers[0].units: must be a whole number from 1 to 1000000, got -4"}},
      {with("\"epochs\": 10", "\"epochs\": 1e15"), {"training.epochs: must be a whole number from 1 to 1000000000, got 1e+15"}},
      {with("\"relu\"", "\"rleu\""), {"model.layers[0].activation: unknown activation \"rleu\"", "\"relu\"?"}},
      {with("\"activation\": \"linear\"", "\"activation\": \"linear\", \"alpha\": 0.1"),
       {"model.layers[1].alpha: activation \"linear\" takes no alpha"}},
      {with("\"he\"", "\"kaiming\""), {"model.init: unknown init \"kaiming\"", "zeros, uniform, xavier, he"}},
      {with("\"mse\"", "\"crossentropy\""), {"loss: unknown loss", "did you mean \"cross_entropy\"?"}},
      {with("\"mse\"", "\"cross_entropy\""), {"needs the last layer's activation to be \"softmax\"",
                                              "model.layers[1].activation is \"linear\""}},
      {with("\"float64\"", "\"float16\""), {"training.dtype: unknown dtype \"float16\""}},
      {with("\"l2\": 0.001", "\"l2\": -1"), {"regularization.l2: must be a number of at least 0"}},
      {with("\"features\": [\"x\"]", "\"features\": [\"x\", \"x\"]"), {"data.features[1]: column \"x\" is listed twice"}},
      {with("\"features\": [\"x\"]", "\"features\": \"x\""), {"data.features: must be a non-empty list"}},
      {with("\"layers\": [", "\"layers\": [] , \"unused\": ["), {"model.unused: unknown key"}},
      {R"({"model": {"layers": []}})", {"config: missing key \"data\""}},
      {R"([1, 2])", {"config: must be an object, got a list"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    try {
      parse(c.text);
      FAIL("no error");
    } catch (const InputError& e) {
      for (const auto& part : c.expected) REQUIRE_THAT(e.what(), Catch::Contains(part));
    }
  }
  REQUIRE(parse(with("\"epochs\": 10", "\"epochs\": 1e1")).epochs == 10);  // a whole number written as a float
  // Configs are for people: comments are allowed.
  const Config annotated = parse(with("\"loss\": \"mse\",", "// regression\n  \"loss\": \"mse\", /* squared error */"));
  REQUIRE(annotated.loss == LossKind::mse);
}

TEST_CASE("a missing config file is a clear error", "[config][errors]") {
  REQUIRE_THROWS_WITH(load_config("/nonexistent/nnlab.json"),
                      Catch::Contains("cannot read config file /nonexistent/nnlab.json: no such file"));
}

TEST_CASE("data paths are relative to the config file's folder", "[config]") {
  const auto dir = temp_dir("config_paths");
  std::ofstream(dir / "run.json") << kValid;
  REQUIRE(load_config(dir / "run.json").data.train.csv == dir / "data.csv");
  std::filesystem::remove_all(dir);
}

TEST_CASE("flags override the config and are checked by name", "[config][overrides]") {
  Config config = parse(kValid);
  Overrides o;
  o.activation = "tanh";
  o.learning_rate = 0.5;
  o.epochs = 3;
  o.l1 = 0.25;
  o.dtype = "float32";
  apply_overrides(config, o);
  REQUIRE(config.layers[0].activation.kind == ActivationKind::tanh);
  REQUIRE(config.layers[1].activation.kind == ActivationKind::linear);  // the output layer keeps its activation
  REQUIRE(config.optimizer.learning_rate == 0.5);
  REQUIRE(config.epochs == 3);
  REQUIRE(config.regularization.l1 == 0.25);
  REQUIRE(config.dtype == DType::float32);

  Overrides output;
  output.output_activation = "identity";
  apply_overrides(config, output);
  REQUIRE(config.layers[1].activation.kind == ActivationKind::linear);

  auto fails_with = [&](Overrides bad, const std::string& message) {
    Config copy = parse(kValid);
    REQUIRE_THROWS_WITH(apply_overrides(copy, bad), Catch::Contains(message));
  };
  fails_with({.activation = "sigmod"}, "--activation: unknown activation \"sigmod\" (did you mean \"sigmoid\"?)");
  // The library names the config key a flag sets (the command line puts the flag back: see the test below).
  fails_with({.learning_rate = -1.0}, "optimizer.learning_rate: must be a number greater than 0");
  fails_with({.momentum = 1.5}, "optimizer.momentum: must be at least 0 and below 1");
  fails_with({.l2 = -0.5}, "regularization.l2: must be a number of at least 0");
  fails_with({.epochs = 0}, "training.epochs: must be a whole number from 1");
  fails_with({.dtype = "double"}, "training.dtype: unknown dtype \"double\"");
  try {
    Config copy = parse(kValid);
    apply_overrides(copy, {.learning_rate = -1.0});
    FAIL("no error");
  } catch (const ConfigError& e) {
    REQUIRE(e.key() == "optimizer.learning_rate");
  }
}

TEST_CASE("the activation flag on a one-layer model changes that layer", "[config][overrides]") {
  Config config = load_config(source_dir() / "configs" / "linear_fit_l1.json");
  apply_overrides(config, {.activation = "linear"});
  REQUIRE(config.layers[0].activation.kind == ActivationKind::linear);
}

TEST_CASE("a number too large for a double is a JSON error, not a crash (found by fuzzing)", "[config][errors]") {
  REQUIRE_THROWS_WITH(parse_config(R"({"data": 4e99999})", "big.json", "/"),
                      Catch::StartsWith("big.json: invalid JSON: number overflow parsing '4e99999'"));
}

TEST_CASE("a flag that sets a value the loss cannot take is named in the error", "[config][overrides]") {
  Config xor_config = load_config(source_dir() / "configs" / "xor.json");
  REQUIRE_THROWS_WITH(apply_overrides(xor_config, {.output_activation = "sigmoid"}),
                      "--output-activation sigmoid: the config's loss \"cross_entropy\" needs the last layer's "
                      "activation to be \"softmax\" (model.layers[1].activation)");
  const auto result = run_nnlab("train configs/xor.json --output-activation sigmoid");
  REQUIRE(result.exit_code == 2);
  REQUIRE_THAT(result.err, Catch::StartsWith("error: --output-activation sigmoid: "));
}

namespace {
template <typename Kind>
void names_round_trip(std::size_t count) {
  const auto& names = kind_names<Kind>();
  REQUIRE(names.size() >= count);
  for (std::size_t i = 0; i < count; ++i) {  // every enumerator has a name that parses back to it
    const Kind kind = static_cast<Kind>(i);
    CAPTURE(name_of(kind));
    REQUIRE(name_of(kind) == names[i]);
    REQUIRE(parse_kind<Kind>(name_of(kind)) == kind);
  }
  REQUIRE_FALSE(parse_kind<Kind>("no such name"));
}
}  // namespace

TEST_CASE("each kind has one name table that parses, names and lists it", "[config][kinds]") {
  names_round_trip<LossKind>(3);
  names_round_trip<DType>(2);
  names_round_trip<Init>(4);
  names_round_trip<ScheduleKind>(4);
  names_round_trip<NormalizationKind>(3);
  REQUIRE(kind_choices<DType>() == "float32 or float64");
  REQUIRE_THROWS_WITH(kind_from<ScheduleKind>("cosin", "optimizer.schedule"),
                      "optimizer.schedule: unknown schedule \"cosin\" (did you mean \"cosine\"?); choose one of "
                      "constant, step, exponential, cosine");
}

TEST_CASE("the core names config keys, the command line names the flag that set one", "[config][errors]") {
  // Set by a flag: the error names the flag.
  const auto by_flag = run_nnlab("train configs/linear_fit.json --batch-size 500 --epochs 1");
  REQUIRE(by_flag.exit_code == 2);
  REQUIRE_THAT(by_flag.err, Catch::Contains("error: batch size 500 (--batch-size) is larger than the 5 training samples"));
  // Set by the config: it names the config key.
  const auto dir = temp_dir("config_keys");
  std::string text = read_file(source_dir() / "configs" / "linear_fit.json");
  const auto at = text.find("\"batch_size\": 0");
  REQUIRE(at != std::string::npos);
  text.replace(at, 15, "\"batch_size\": 500");
  const auto data = text.find("../data/");  // the config's data, from the temporary folder
  REQUIRE(data != std::string::npos);
  text.replace(data, 8, (source_dir() / "data").string() + "/");
  std::ofstream(dir / "big_batch.json") << text;
  const auto by_config = run_nnlab("train " + (dir / "big_batch.json").string() + " --epochs 1");
  REQUIRE(by_config.exit_code == 2);
  REQUIRE_THAT(by_config.err, Catch::Contains("error: batch size 500 (optimizer.batch_size) is larger than"));
  REQUIRE_THAT(by_config.err, !Catch::Contains("--batch-size"));
  // A flag's range error starts with the flag; the same check from the library names the key.
  REQUIRE_THAT(run_nnlab("train configs/linear_fit.json --momentum 1").err,
               Catch::StartsWith("error: --momentum: must be at least 0 and below 1, got 1"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("no flag text in the core: src/ outside src/cli/ names config keys, never --lr or --batch-size",
          "[config][errors]") {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(source_dir() / "src")) {
    if (!entry.is_regular_file() || entry.path().parent_path().filename() == "cli") continue;
    const std::string text = read_file(entry.path());
    CAPTURE(entry.path().string());
    REQUIRE(text.find("--lr") == std::string::npos);
    REQUIRE(text.find("--batch-size") == std::string::npos);
  }
}

TEST_CASE("no kind's name is compared outside kinds.cpp's name table: the core compares enums",
          "[config][activations]") {
  // `x == "relu"`, `"mse" != y`, `.compare("softmax")` anywhere in src/ or include/ but the name table: each must be
  // an enum compare instead (kinds.hpp). A raw JSON value read at the edge (`.get<std::string>() == "none"`: the
  // export's check of config keys it does not know) is not a kind.
  std::string names;
  const auto add = [&](const std::vector<std::string>& kind) {
    for (const std::string& name : kind) names += (names.empty() ? "" : "|") + name;
  };
  add(kind_names<ActivationKind>());
  add(kind_names<LossKind>());
  add(kind_names<DType>());
  add(kind_names<Init>());
  add(kind_names<ScheduleKind>());
  add(kind_names<NormalizationKind>());
  const std::regex compare("([=!]=\\s*\"(" + names + ")\")|(\"(" + names + ")\"\\s*[=!]=)|(compare\\(\"(" + names +
                           ")\"\\))");
  std::size_t files = 0;
  for (const auto& root : {source_dir() / "src", source_dir() / "include"})
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || entry.path().filename() == "kinds.cpp") continue;
      ++files;
      std::istringstream text(read_file(entry.path()));
      std::string line;
      for (std::size_t number = 1; std::getline(text, line); ++number) {
        if (line.find(".get<std::string>() ==") != std::string::npos) continue;
        CAPTURE(entry.path().string(), number, line);
        REQUIRE_FALSE(std::regex_search(line, compare));
      }
    }
  REQUIRE(files > 50);
  // The pattern finds what it is for.
  REQUIRE(std::regex_search(std::string("if (name == \"prelu\")"), compare));
  REQUIRE(std::regex_search(std::string("\"linear\" != activation"), compare));
  REQUIRE(std::regex_search(std::string("loss_name == \"cross_entropy\""), compare));
  REQUIRE(std::regex_search(std::string("dtype != \"float64\""), compare));
  REQUIRE_FALSE(std::regex_search(std::string("j[\"linear\"] = z;"), compare));
}
