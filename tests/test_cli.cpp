// The nnlab binary as a user meets it: exit codes, what goes to stdout and stderr.
#include <catch2/catch.hpp>
#include <fstream>

#include "helpers.hpp"

using namespace nnlab::test;

namespace {
std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  std::size_t count = 0, at = 0;
  while (at < text.size()) {
    if (text.compare(at, prefix.size(), prefix) == 0) ++count;
    const auto next = text.find('\n', at);
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return count;
}
}  // namespace

TEST_CASE("help and version flags work for the program and for train", "[cli]") {
  for (const std::string args : {"--help", "train --help"}) {
    const auto result = run_nnlab(args);
    REQUIRE(result.exit_code == 0);
    REQUIRE_THAT(result.out, Catch::Contains("Usage"));
  }
  REQUIRE_THAT(run_nnlab("train --help").out, Catch::Contains("--activation") && Catch::Contains("leaky_relu"));
  for (const std::string args : {"--version", "train --version"}) {
    const auto result = run_nnlab(args);
    REQUIRE(result.exit_code == 0);
    REQUIRE_THAT(result.out, Catch::StartsWith("nnlab " NNLAB_VERSION));
  }
}

TEST_CASE("a training run logs every log_every epochs, the first and the last", "[cli]") {
  const auto result = run_nnlab("train configs/linear_fit.json --epochs 25 --log-every 10");
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.err.empty());
  REQUIRE(count_lines_starting(result.out, "epoch") == 4);  // 1, 10, 20, 25
  REQUIRE_THAT(result.out, Catch::Contains("epoch 25/25  loss"));
  REQUIRE_THAT(result.out, Catch::Contains("\ny = "));

  const auto quiet = run_nnlab("train configs/linear_fit.json --epochs 25 --quiet");
  REQUIRE(quiet.exit_code == 0);
  REQUIRE(count_lines_starting(quiet.out, "epoch") == 0);
  REQUIRE_THAT(quiet.out, Catch::StartsWith("final loss"));
}

TEST_CASE("usage, config and data errors exit 2 with one error line", "[cli][errors]") {
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"train", "error: config is required"},
      {"train configs/linear_fit.json --bogus", "error: unknown flag --bogus (see 'nnlab train --help')"},
      {"train configs/linear_fit.json --epochs many", "error:"},
      {"train no/such.json", "error: cannot read config file no/such.json: no such file"},
      {"train configs/linear_fit.json --activation rleu", "error: --activation: unknown activation \"rleu\""},
      {"train configs/linear_fit.json --lr 0", "error: --lr: must be a number greater than 0, got 0"},
      {"train configs/linear_fit.json --batch-size 6", "error: batch size 6"},
      {"train configs/linear_fit.json --metrics /nonexistent/dir/m.csv", "error: cannot write metrics file"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const auto result = run_nnlab(c.args);
    REQUIRE(result.exit_code == 2);
    REQUIRE_THAT(result.err, Catch::StartsWith(c.message));
    REQUIRE(std::count(result.err.begin(), result.err.end(), '\n') == 1);
    REQUIRE(count_lines_starting(result.out, "epoch") == 0);  // nothing trained before the error
  }
}

TEST_CASE("a diverging run stops with exit 1 and says what to try", "[cli][errors]") {
  const auto result = run_nnlab("train configs/linear_fit.json --lr 5 --epochs 1000 --quiet");
  REQUIRE(result.exit_code == 1);
  REQUIRE_THAT(result.err, Catch::StartsWith("error: epoch ") && Catch::Contains("try a smaller learning rate"));
}

namespace {
// The value after `key` in the output, e.g. the number after "test accuracy ".
std::string value_after(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  if (at == std::string::npos) return "";
  const auto start = at + key.size();
  return text.substr(start, text.find_first_of(" ,\n", start) - start);
}
}  // namespace

TEST_CASE("data generate writes a seeded CSV", "[cli][data]") {
  const auto result = run_nnlab("data generate spiral --samples 9 --classes 3 --seed 2 --noise 0.1");
  REQUIRE(result.exit_code == 0);
  REQUIRE_THAT(result.out, Catch::StartsWith("x1,x2,label\n"));
  REQUIRE(std::count(result.out.begin(), result.out.end(), '\n') == 10);
  REQUIRE(run_nnlab("data generate spiral --samples 9 --classes 3 --seed 2 --noise 0.1").out == result.out);
  const auto typo = run_nnlab("data generate spirl");
  REQUIRE(typo.exit_code == 2);
  REQUIRE_THAT(typo.err, Catch::StartsWith("error: unknown data set \"spirl\" (did you mean \"spiral\"?)"));
}

TEST_CASE("a saved model evaluates and predicts as it did at the end of training", "[cli][model_io]") {
  const auto dir = temp_dir("cli_models");
  const std::string model = (dir / "xor.json").string();
  const auto trained = run_nnlab("train configs/xor.json --epochs 5 --quiet --save '" + model + "'");
  REQUIRE(trained.exit_code == 0);
  REQUIRE_THAT(trained.out, Catch::Contains("saved the model to " + model));
  const std::string accuracy = value_after(trained.out, "test accuracy ");
  REQUIRE_FALSE(accuracy.empty());

  const auto evaluated = run_nnlab("eval configs/xor.json --model '" + model + "'");
  REQUIRE(evaluated.exit_code == 0);
  REQUIRE(value_after(evaluated.out, "test accuracy ") == accuracy);
  REQUIRE(value_after(evaluated.out, "test loss ") == value_after(trained.out, "test loss "));
  REQUIRE_THAT(evaluated.out, Catch::Contains("confusion matrix"));

  std::ofstream(dir / "rows.csv") << "x2,x1\n1,1\n-3,2.5\n4,-4\n";
  const auto predicted = run_nnlab("predict --model '" + model + "' --input '" + (dir / "rows.csv").string() + "'");
  REQUIRE(predicted.exit_code == 0);
  REQUIRE_THAT(predicted.out, Catch::StartsWith("predicted,p_0,p_1\n"));
  REQUIRE(std::count(predicted.out.begin(), predicted.out.end(), '\n') == 4);

  const auto no_test = run_nnlab("eval configs/linear_fit.json --model '" + model + "'");  // no test set, no validation split
  REQUIRE(no_test.exit_code == 2);
  REQUIRE_THAT(no_test.err, Catch::Contains("data.test: the config names no test set"));
  const auto missing_column = run_nnlab("predict --model '" + model + "' --input configs/../data/linear.csv");
  REQUIRE(missing_column.exit_code == 2);
  REQUIRE_THAT(missing_column.err, Catch::Contains("--input: no column \"x1\""));
  std::filesystem::remove_all(dir);
}

TEST_CASE("train --resume continues a saved run to the same end as an uninterrupted one", "[cli][resume]") {
  const auto dir = temp_dir("cli_resume");
  const std::string half = (dir / "half.json").string();
  const std::string metrics = " --metrics '" + (dir / "metrics.csv").string() + "'";
  REQUIRE(run_nnlab("train configs/circle.json --epochs 4 --quiet --save '" + half + "'" + metrics).exit_code == 0);
  const std::string first_half = read_file(dir / "metrics.csv");
  const auto resumed = run_nnlab("train configs/circle.json --epochs 8 --resume '" + half + "'" + metrics);
  REQUIRE(resumed.exit_code == 0);
  REQUIRE_THAT(resumed.out, Catch::Contains("resuming at epoch 5"));
  REQUIRE_THAT(resumed.out, Catch::Contains("epoch 5/8"));
  const auto straight = run_nnlab("train configs/circle.json --epochs 8 --quiet");
  REQUIRE(value_after(resumed.out, "final loss ") == value_after(straight.out, "final loss "));
  REQUIRE(value_after(resumed.out, "test accuracy ") == value_after(straight.out, "test accuracy "));
  // The metrics file continues: the first run's header and epochs 1-4, then epochs 5-8.
  const std::string both = read_file(dir / "metrics.csv");
  REQUIRE(both.starts_with(first_half));
  REQUIRE(std::count(both.begin(), both.end(), '\n') == 9);
  REQUIRE(both.substr(first_half.size(), 2) == "5,");
  std::filesystem::remove_all(dir);
}

TEST_CASE("the shipped classification configs train from the README", "[cli][configs]") {
  for (const std::string config : {"xor", "circle", "spiral", "iris"}) {
    CAPTURE(config);
    const auto result = run_nnlab("train configs/" + config + ".json --quiet");
    REQUIRE(result.exit_code == 0);
    REQUIRE(result.err.empty());
    if (config != "iris") REQUIRE(std::stod(value_after(result.out, "test accuracy ")) >= 0.9);
  }
}

TEST_CASE("a short Fashion-MNIST run on a subset learns", "[cli][fashion_mnist]") {
  const auto result = run_nnlab("train tests/configs/fashion_mnist_subset.json --quiet");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  // 4,000 training images, 2 epochs: chance is 0.1; this network gets about 0.75.
  REQUIRE(std::stod(value_after(result.out, "test accuracy ")) >= 0.7);
}
