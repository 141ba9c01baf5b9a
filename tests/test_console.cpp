// What a learner sees while a run goes: epoch lines that fit a terminal, warnings with their hint on a second line,
// --quiet that keeps warnings, and a progress display that only a terminal gets and that leaves nothing behind.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <sys/wait.h>

#include "helpers.hpp"
#include "nnlab/report.hpp"
#include "nnlab/text.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

EpochReport sample_report() {
  EpochReport report;
  report.epoch = 7, report.epochs = 200;
  report.loss = 0.061234512345, report.data_loss = 0.060123412345, report.penalty = 0.0011111111;
  report.seconds = 0.00012, report.samples_per_second = 1e6;
  return report;
}

// The screen a terminal shows after `bytes`: carriage return, line feed and "erase to the end of the line" applied.
std::vector<std::string> screen(const std::string& bytes) {
  std::vector<std::string> lines(1);
  std::size_t column = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\r') {
      column = 0;
    } else if (c == '\n') {
      lines.emplace_back(), column = 0;
    } else if (bytes.compare(i, 3, "\033[K") == 0) {
      lines.back().resize(std::min(lines.back().size(), column));
      i += 2;
    } else {
      std::string& line = lines.back();
      if (column < line.size())
        line[column] = c;
      else
        line += c;
      ++column;
    }
  }
  if (lines.back().empty()) lines.pop_back();
  return lines;
}

struct TerminalRun {
  int exit_code = -1;
  std::string bytes;  // everything the terminal received, stdout and stderr together
};

// Runs nnlab with a pseudo-terminal as its stdin, stdout and stderr (util-linux's `script`).
TerminalRun run_on_terminal(const std::string& arguments, const std::string& wrapper = "") {
  const auto dir = temp_dir("terminal");
  const auto out = dir / "bytes";
  const std::string inner = wrapper + "'" + std::string(NNLAB_EXE) + "' " + arguments;
  const std::string command = "cd '" + source_dir().string() + "' && script -qec \"" + inner + "\" /dev/null > '" +
                              out.string() + "' 2>&1 < /dev/null";
  const int status = std::system(command.c_str());
  TerminalRun run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out)};
  std::filesystem::remove_all(dir);
  return run;
}

// Each drawing of the progress display: what follows a "\r\033[K" up to the next carriage return or line feed.
std::vector<std::string> frames(const std::string& bytes) {
  std::vector<std::string> found;
  const std::string erase = "\r\033[K";
  for (auto at = bytes.find(erase); at != std::string::npos; at = bytes.find(erase, at + 1)) {
    const auto start = at + erase.size(), end = bytes.find_first_of("\r\n", start);
    if (end != start) found.push_back(bytes.substr(start, end == std::string::npos ? end : end - start));
  }
  return found;
}

// How many frames match `pattern` whole. (One pattern over all the bytes overflowed std::regex's recursion, and
// the stack, once a slow run had drawn a few thousand frames.)
std::size_t matching_frames(const std::string& bytes, const std::string& pattern) {
  const std::regex expression(pattern);
  std::size_t n = 0;
  for (const std::string& frame : frames(bytes)) n += std::regex_match(frame, expression);
  return n;
}

// The sanitizer build (.ci/sanitize) trains 50 to 100 times slower (measured 2026-11-26: 993 samples/s instead of
// about 80000 in the long-epochs run below): its progress runs are made that much smaller, so that they take about
// as long as in the normal build, a second or two, and still show the bar.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kSlowdown = 40;
#else
constexpr std::size_t kSlowdown = 1;
#endif

// A run whose epochs take a good half second each: 3 classes of spiral arms, 2-256-256-3, batches of 8.
constexpr std::size_t kLongEpochSamples = 60000 / kSlowdown;
std::string long_epochs_config(const std::filesystem::path& dir) {
  const auto path = dir / "long_epochs.json";
  std::ofstream(path) << R"({"data": {"train": {"generate": "spiral", "samples": )" << kLongEpochSamples
                      << R"(, "classes": 3, "noise": 0.1}},
    "model": {"layers": [{"units": 256, "activation": "relu"}, {"units": 256, "activation": "relu"},
                         {"units": 3, "activation": "softmax"}], "init": "he"},
    "loss": "cross_entropy", "optimizer": {"learning_rate": 0.01, "batch_size": 8},
    "training": {"epochs": 2, "seed": 1}})";
  return path.string();
}

}  // namespace

TEST_CASE("an epoch line: 6 significant digits, the penalty only when on, time with units, speed from 10 ms",
          "[console]") {
  EpochReport report = sample_report();
  CHECK(format_epoch_line(report, false) == "epoch   7/200  loss 0.0612345  120 µs");
  CHECK(format_epoch_line(report, true) == "epoch   7/200  loss 0.0612345 = 0.0601234 + 0.00111111  120 µs");
  report.train_accuracy = 0.98095238, report.validation_loss = 0.081234567, report.validation_accuracy = 0.97777;
  report.seconds = 0.0123, report.samples_per_second = 43210.4;
  CHECK(format_epoch_line(report, false) ==
        "epoch   7/200  loss 0.0612345  acc 98.10%   val 0.0812346 97.78%   12 ms    43210 samples/s");
  report.epoch = 0;
  CHECK_THAT(format_epoch_line(report, false), Catch::EndsWith("97.78%  (before training)"));

  CHECK(format_duration(0.00012) == "120 µs");
  CHECK(format_duration(0.0012) == "1.2 ms");
  CHECK(format_duration(0.0123) == "12 ms");
  CHECK(format_duration(1.44) == "1.4 s");
  CHECK(format_duration(185) == "3 min 05 s");
  CHECK(screen_number(16.942011656203917) == "16.942");
  CHECK(screen_number(1e-7) == "1e-07");
  CHECK(screen_percent(0.9854166666666667) == "98.54%");
}

TEST_CASE("a warning's hint goes onto indented lines of at most 100 columns", "[console]") {
  const std::string text =
      "the loss rose to 129.5, more than twice its lowest (38.08 at epoch 3), for the third time; the steps overshoot "
      "the minimum, so try a smaller learning rate than 100 (--lr)";
  const auto lines = lines_of(format_warning(5, text));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "warning: epoch 5: the loss rose to 129.5, more than twice its lowest (38.08 at epoch 3), for the");
  CHECK(lines[1] == "  third time");
  CHECK(lines[2] == "  the steps overshoot the minimum, so try a smaller learning rate than 100 (--lr)");
  for (const auto& line : lines) CHECK(columns(line) <= 100);
  const auto narrow = lines_of(format_warning(5, text, 40));
  for (std::size_t i = 0; i < narrow.size(); ++i) {
    CAPTURE(narrow[i]);
    CHECK(columns(narrow[i]) <= 40);
    if (i > 0) CHECK(narrow[i].starts_with("  "));
  }
}

TEST_CASE("every shipped config's epoch lines and warnings fit in 100 columns", "[console][configs]") {
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "configs")) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().filename().string();
    const bool big = name == "fashion_mnist.json";
    const auto result = run_nnlab("train configs/" + name + (big ? " --epochs 1" : " --epochs 3 --log-every 1"));
    CAPTURE(name, result.err);
    REQUIRE(result.exit_code == 0);
    std::size_t epoch_lines = 0;
    for (const auto& line : lines_of(result.out)) {
      // a one-neuron model's equation (round-trip numbers)
      if (line.starts_with("y = ")) continue;
      CAPTURE(line);
      CHECK(columns(line) <= 100);
      if (line.starts_with("epoch ")) {
        ++epoch_lines;
        const bool penalty = name.starts_with("linear_fit_l") || name.starts_with("sparse") || name == "iris.json";
        CHECK((line.find(" = ") != std::string::npos) == penalty);
      }
    }
    CHECK(epoch_lines >= 1);
  }
}

TEST_CASE("quiet runs silence the epoch lines but keep warnings and the result", "[console][cli]") {
  const auto result = run_nnlab("train configs/xor.json --lr 100 --epochs 30 --quiet");
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("warning: epoch ") && Catch::Contains("\n  the steps overshoot the minimum"));
  CHECK_THAT(result.out, !Catch::Contains("\nepoch ") && !Catch::StartsWith("training "));
  CHECK_THAT(result.out, Catch::Contains("final loss "));
  const auto diagnosed = run_nnlab("train configs/dying_relu.json --quiet");
  CHECK_THAT(diagnosed.out, Catch::Contains("warning: epoch ") && !Catch::Contains("  layer "));
}

TEST_CASE("no progress display in a pipe or a file", "[console][progress]") {
  const auto dir = temp_dir("progress_pipe");
  const auto result = run_nnlab("train " + long_epochs_config(dir) + " --epochs 1");
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(result.out.find('\r') == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("on a terminal, progress within long epochs: epoch, batches, running loss, speed, time left",
          "[console][progress]") {
  const auto dir = temp_dir("progress_long");
  const auto run = run_on_terminal("train " + long_epochs_config(dir));
  INFO(run.bytes);
  REQUIRE(run.exit_code == 0);
  CHECK(count(run.bytes, "ETA ") >= 1);  // drawn at least once
  const std::string batches = std::to_string(kLongEpochSamples / 8);
  CHECK(matching_frames(run.bytes, "epoch [12]/2 \\[[#.]{12}\\] [0-9]+/" + batches +
                                       "  loss [0-9.e-]+  ETA [0-9.]+ (ms|s|min [0-9]+ s)  [0-9]+ samples/s") >= 1);
  // Nothing left of the bar once the run is over: the screen holds only the lines a pipe would get.
  const auto lines = screen(run.bytes);
  for (const auto& line : lines) {
    CAPTURE(line);
    CHECK(line.find("ETA") == std::string::npos);
    CHECK(line.find("[#") == std::string::npos);
    CHECK(line.find("[.") == std::string::npos);
  }
  // The run's description may take two lines; then the epoch lines and the result.
  const auto first = std::find_if(lines.begin(), lines.end(), [](auto& l) { return l.starts_with("epoch "); });
  REQUIRE(lines.end() - first >= 3);
  CHECK(first[0].starts_with("epoch 1/2  loss "));
  CHECK(first[1].starts_with("epoch 2/2  loss "));
  CHECK(first[2].starts_with("final loss "));
  std::filesystem::remove_all(dir);
}

TEST_CASE("on a terminal, progress across short epochs, redrawn at most about ten times a second",
          "[console][progress]") {
  const auto start = std::chrono::steady_clock::now();
  const std::string epochs = std::to_string(40000 / kSlowdown);
  const auto run = run_on_terminal("train configs/xor.json --epochs " + epochs + " --log-every " +
                                   std::to_string(20000 / kSlowdown));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(run.bytes.substr(0, 2000));
  REQUIRE(run.exit_code == 0);
  const std::size_t draws = count(run.bytes, "ETA ");
  CHECK(draws >= 1);
  CHECK(double(draws) <= 10 * seconds + 2);
  CHECK(matching_frames(run.bytes, "epoch [0-9]+/" + epochs + " \\[[#.]{12}\\]  loss [0-9.e-]+  ETA .*") >= 1);
  const auto lines = screen(run.bytes);
  std::size_t epoch_lines = 0;
  for (const auto& line : lines) {
    CAPTURE(line);
    CHECK(line.find("ETA") == std::string::npos);
    if (line.starts_with("epoch ")) ++epoch_lines;
  }
  CHECK(epoch_lines == 3);  // 1, 20000 and 40000 (sanitizer build: 1, 500 and 1000)
}

TEST_CASE("an interrupt on a terminal leaves no progress behind", "[console][progress][interrupt]") {
  const auto dir = temp_dir("progress_interrupt");
  const auto run = run_on_terminal("train " + long_epochs_config(dir) + " --epochs 50", "timeout --preserve-status -s INT 3 ");
  INFO(run.bytes);
  CHECK(run.exit_code == 130);
  CHECK(count(run.bytes, "ETA ") >= 1);
  const auto lines = screen(run.bytes);
  for (const auto& line : lines) {
    CAPTURE(line);
    CHECK(line.find("ETA") == std::string::npos);
  }
  CHECK_THAT(lines.back(), Catch::StartsWith("interrupted "));
  std::filesystem::remove_all(dir);
}
