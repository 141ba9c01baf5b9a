// Small things a learner runs into: each command says what it did, refuses what it cannot do, and names the flag
// the user typed.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "helpers.hpp"

using namespace nnlab::test;

TEST_CASE("predict --output says what it wrote", "[cli][items]") {
  const auto dir = temp_dir("items_predict");
  const std::string model = (dir / "fit.json").string(), out = (dir / "out.csv").string();
  REQUIRE(run_nnlab("train configs/linear_fit.json --epochs 5 --quiet --save " + model).exit_code == 0);
  const auto result = run_nnlab("predict --model " + model + " --input data/linear.csv --output " + out);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "wrote 5 predictions to " + out + "\n");
  CHECK(read_file(out).starts_with("y\n"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("plot weights refuses a model whose first layer has more than one unit", "[cli][items][plot]") {
  const auto dir = temp_dir("items_weights");
  const std::string model = (dir / "xor.json").string();
  REQUIRE(run_nnlab("train configs/xor.json --epochs 2 --quiet --save " + model).exit_code == 0);
  const auto result = run_nnlab("plot weights " + model + " -o " + (dir / "w.svg").string());
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::StartsWith("error: plot weights: " + model + " has 8 units in its first layer"));
  CHECK(!std::filesystem::exists(dir / "w.svg"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the decision boundary is drawn with opaque cells, so overlaps draw no grid", "[cli][items][plot]") {
  const auto dir = temp_dir("items_boundary");
  const std::string model = (dir / "xor.json").string(), svg = (dir / "b.svg").string();
  REQUIRE(run_nnlab("train configs/xor.json --epochs 20 --quiet --save " + model).exit_code == 0);
  REQUIRE(run_nnlab("plot boundary configs/xor.json --model " + model + " -o " + svg).exit_code == 0);
  const std::string text = read_file(svg);
  const std::regex cell("<rect x='[0-9.]+' y='[0-9.]+' width='([0-9.]+)' height='[0-9.]+' fill='#[0-9a-f]{6}'/>");
  const auto cells = std::distance(std::sregex_iterator(text.begin(), text.end(), cell), std::sregex_iterator());
  CHECK(cells == 100 * 100);
  CHECK(text.find("fill-opacity") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("flags --activation and --output-activation together on a one-layer model are refused", "[cli][items]") {
  const auto result = run_nnlab("train configs/linear_fit.json --activation tanh --output-activation relu");
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::StartsWith("error: --output-activation: configs/linear_fit.json has one layer, which "
                                           "--activation already sets; give one of the two\n"));
  // Either alone still sets the only layer.
  CHECK(run_nnlab("train configs/linear_fit.json --activation tanh --epochs 1").exit_code == 0);
  CHECK(run_nnlab("train configs/linear_fit.json --output-activation relu --epochs 1").exit_code == 0);
}

TEST_CASE("resuming a model of other data says that model and config do not match", "[cli][items][resume]") {
  const auto dir = temp_dir("items_resume");
  const std::string model = (dir / "iris.json").string();
  REQUIRE(run_nnlab("train configs/iris.json --epochs 2 --quiet --save " + model).exit_code == 0);
  for (const std::string config : {"configs/xor.json", "configs/spiral.json", "configs/linear_fit.json"}) {
    CAPTURE(config);
    const auto result = run_nnlab("train " + config + " --resume " + model);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::StartsWith("error: --resume " + model + ": the model and the config " + config +
                                             " do not match"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("eval takes --data PATH, or evaluates the validation split of a config without a test set",
          "[cli][items][model_io]") {
  const auto dir = temp_dir("items_eval");
  const std::string model = (dir / "iris.json").string();
  const auto trained = run_nnlab("train configs/iris.json --quiet --save " + model);
  REQUIRE(trained.exit_code == 0);
  const auto validation = run_nnlab("eval configs/iris.json --model " + model);
  REQUIRE(validation.exit_code == 0);
  CHECK_THAT(validation.out, Catch::StartsWith("validation loss ") && Catch::Contains("(45 samples)\n") &&
                                 Catch::Contains("confusion matrix"));
  // The same accuracy the training run reported for its validation split.
  const auto accuracy = [](const std::string& text, const std::string& key) {
    const auto at = text.find(key);
    return at == std::string::npos ? "" : text.substr(at + key.size(), text.find_first_of(" ,\n", at + key.size()) -
                                                                          at - key.size());
  };
  CHECK(accuracy(validation.out, "validation accuracy ") == accuracy(trained.out, "validation accuracy "));
  const auto data = run_nnlab("eval configs/iris.json --model " + model + " --data data/iris.csv");
  REQUIRE(data.exit_code == 0);
  CHECK_THAT(data.out, Catch::StartsWith("test loss ") && Catch::Contains("(150 samples)\n"));
  const auto missing = run_nnlab("eval configs/iris.json --model " + model + " --data no/such.csv");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::StartsWith("error: ") && Catch::Contains("no/such.csv"));
  std::filesystem::remove_all(dir);
}
