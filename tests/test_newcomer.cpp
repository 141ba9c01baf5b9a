// What a newcomer following the README meets in the first minutes: lines that fit a terminal whatever the numbers
// and the timing, help that is wrapped and free of parser notation, and error messages that say what went wrong.
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "helpers.hpp"
#include "nnlab/report.hpp"
#include "nnlab/text.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t widest(const std::string& text) {
  std::size_t width = 0;
  for (const std::string& line : lines_of(text)) width = std::max(width, columns(line));
  return width;
}

}  // namespace

TEST_CASE("the widest possible epoch line stays within 100 columns, whatever the timing", "[console][width]") {
  // Every field at its widest: a billion epochs, numbers with three-digit exponents, a penalty, accuracies of
  // 100%, a validation set, an hour-long epoch and a speed of a billion samples per second.
  EpochReport worst;
  worst.epoch = worst.epochs = kMaxEpochs;
  worst.loss = worst.data_loss = worst.penalty = 1.23456789e+100;
  worst.train_accuracy = worst.validation_accuracy = 1.0;
  worst.validation_loss = 1.23456789e-100;
  worst.seconds = 3599.6, worst.samples_per_second = 1.23456789e9;
  for (const bool penalty : {false, true}) {
    const std::string text = format_epoch_line(worst, penalty);
    CAPTURE(text);
    CHECK(widest(text) <= kEpochLineWidth);
    CHECK_THAT(text, Catch::Contains("1.23457e+100") && Catch::Contains("100.00%") && Catch::Contains("60 min 00 s"));
  }
  // The newcomer's iris line: a penalty, validation, and a 12 ms epoch that gains a speed column.
  EpochReport iris;
  iris.epoch = 1, iris.epochs = 100;
  iris.loss = 0.376961, iris.data_loss = 0.370519, iris.penalty = 0.00644192;
  iris.train_accuracy = 0.819, iris.validation_loss = 0.48041, iris.validation_accuracy = 0.7778;
  for (const double seconds : {0.00004, 0.012, 0.9, 1.5, 75.0}) {
    iris.seconds = seconds, iris.samples_per_second = 105 / seconds;
    const std::string line = format_epoch_line(iris, true);
    CAPTURE(line);
    CHECK(columns(line) <= kEpochLineWidth);
    CHECK(line.find('\n') == std::string::npos);  // real numbers keep one line
  }
}

TEST_CASE("a deep network's header names repeated layers once and fits in 100 columns", "[console][width]") {
  const auto result = run_nnlab("train configs/deep_relu_bn.json --epochs 1");
  REQUIRE(result.exit_code == 0);
  const auto lines = lines_of(result.out);
  REQUIRE(lines.size() >= 2);
  CHECK_THAT(lines[0], Catch::StartsWith("training 2-16×20-2 (relu ×20, softmax), "));
  for (const auto& line : lines) {
    CAPTURE(line);
    CHECK(columns(line) <= 100);
  }
  CHECK_THAT(result.out, Catch::Contains(", 1 epoch, ") && !Catch::Contains("1 epochs"));
  // Short networks are written out as before.
  CHECK_THAT(run_nnlab("train configs/spiral.json --epochs 2").out,
             Catch::StartsWith("training 2-16-16-3 (relu, relu, softmax), ") && Catch::Contains(", 2 epochs, "));

  const auto gradcheck = run_nnlab("gradcheck configs/deep_relu.json");
  CAPTURE(gradcheck.out);
  CHECK_THAT(gradcheck.out, Catch::Contains("2-16×20-2 (relu ×20, softmax)"));
  CHECK(widest(gradcheck.out) <= 100);
}

TEST_CASE("the diagnostics table fits in 80 columns and keeps every number", "[console][width][diagnostics]") {
  for (const char* config : {"configs/deep_relu_bn.json", "configs/iris.json", "configs/dying_relu.json",
                             "configs/sparse_l1.json"}) {
    const auto result = run_nnlab(std::string("train ") + config + " --epochs 2 --diagnostics");
    CAPTURE(config, result.err);
    REQUIRE(result.exit_code == 0);
    std::size_t rows = 0;
    for (const auto& line : lines_of(result.out)) {
      if (!line.starts_with("  layer ")) continue;
      CAPTURE(line);
      CHECK(columns(line) <= 80);
      ++rows;
    }
    CHECK(rows >= 2);
  }
  const auto dying = run_nnlab("train configs/dying_relu.json --epochs 1 --diagnostics").out;
  CHECK_THAT(dying, Catch::Contains("\n  layer              act mean±std        |dW|    upd/w     zero dead/sat sparse\n"));
  // The epoch-0 rows have no gradient and no update yet; relu's column is the dead share, tanh's the saturated.
  CHECK_THAT(dying, Catch::Matches("[\\s\\S]*\n  layer 0 relu +[-0-9.e+]+±[-0-9.e+]+ +- +- +0/[0-9]+ +[0-9.]+% +[0-9.]+%\n[\\s\\S]*"));
}

namespace {

// The subcommands a --help lists under "Subcommands:" ("  train    Train a model ...").
std::vector<std::string> subcommands_in(const std::string& help) {
  std::vector<std::string> names;
  bool in_list = false;
  for (const std::string& line : lines_of(help)) {
    if (line == "Subcommands:") in_list = true;
    else if (in_list && line.starts_with("  ") && line[2] != ' ') names.push_back(line.substr(2, line.find(' ', 2) - 2));
    else if (in_list && !line.starts_with("  ")) in_list = false;
  }
  return names;
}

}  // namespace

TEST_CASE("every command's --help fits in 80 columns and shows no parser notation", "[cli][help][width]") {
  std::vector<std::string> commands = {""};
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto result = run_nnlab(commands[i] + " --help");
    CAPTURE(commands[i], result.out);
    REQUIRE(result.exit_code == 0);
    CHECK(widest(result.out) <= 80);
    CHECK_THAT(result.out, !Catch::Contains("{false}") && !Catch::Contains("X:X") && !Catch::Contains("Excludes") &&
                               !Catch::Contains("REQUIRED") && !Catch::Contains(",--"));
    for (const std::string& sub : subcommands_in(result.out)) commands.push_back(commands[i] + " " + sub);
  }
  CHECK(commands.size() >= 14);  // nnlab, 9 commands, data generate, plot's 4 charts
  const auto train = run_nnlab("train --help").out;
  CHECK_THAT(train, Catch::Contains("\n  -q, --quiet, --no-quiet\n") && Catch::Contains("\n  --lr, --learning-rate X\n"));
  CHECK_THAT(run_nnlab("explain --help").out, Catch::Contains("(not with --sample)"));
  CHECK_THAT(run_nnlab("gradcheck --help").out, Catch::Contains("\n  --tolerance X "));
}

TEST_CASE("nnlab without a command says so in one line, then lists the commands", "[cli][errors]") {
  const auto result = run_nnlab("");
  CHECK(result.exit_code == 2);
  const auto lines = lines_of(result.err);
  REQUIRE(lines.size() > 5);
  CHECK(lines[0] == "error: nnlab needs a command; choose one of those below");
  CHECK_THAT(result.err, Catch::Contains("\nUsage: nnlab [OPTIONS] SUBCOMMAND\n") && Catch::Contains("\n  train  "));
  CHECK(widest(result.err) <= 100);
  const auto plot = run_nnlab("plot");
  CHECK(plot.exit_code == 2);
  CHECK_THAT(plot.err, Catch::StartsWith("error: nnlab plot needs a command; choose one of those below\n") && Catch::Contains("\n  boundary "));
}

TEST_CASE("a flag given no value says what value it needs", "[cli][errors]") {
  const struct {
    std::string arguments, message;
  } cases[] = {
      {"train configs/xor.json --epochs",
       "error: --epochs needs a value: a whole number, e.g. --epochs 10 (see 'nnlab train --help')\n"},
      {"train configs/xor.json --lr", "error: --lr needs a value: a number, e.g. --lr 0.1 (see 'nnlab train --help')\n"},
      {"train configs/xor.json --save",
       "error: --save needs a value: save the trained model to this JSON file (see 'nnlab train --help')\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.arguments);
    const auto result = run_nnlab(c.arguments);
    CHECK(result.exit_code == 2);
    CHECK(result.err == c.message);
  }
}
