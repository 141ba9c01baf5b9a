// The nnlab binary as a user meets it: exit codes, what goes to stdout and stderr.
#include <catch2/catch.hpp>

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
      {"", "error: A subcommand is required"},
      {"train", "error: config is required"},
      {"train configs/linear_fit.json --bogus", "error: The following argument was not expected: --bogus"},
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
