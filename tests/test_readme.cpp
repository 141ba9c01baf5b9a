// The README's and the tutorial's sample outputs are the program's: every fenced block in README.md and
// docs/tutorial.md that starts with a command line
// `$ build/nnlab ...` is run as written (in a scratch folder that has the repository's configs/ and data/ and the
// built nnlab as build/nnlab), and the lines shown under it must be the lines it prints, stdout then stderr, in
// order and with every number. In a block, a line `...` stands for any number of lines, and a line that ends in
// `...` for any line that starts with what comes before. Durations ("12 ms", "1.4 s") and speeds ("43210
// samples/s") change from run to run and are compared as such, not by value; the speed, shown only for epochs of
// 10 ms or more, not at all.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "helpers.hpp"

using namespace nnlab::test;

namespace {

struct Sample {
  std::size_t line = 0;  // of the command in its file
  std::string command;   // without the "$ "
  std::vector<std::string> shown;
};

std::vector<Sample> samples_in(const std::filesystem::path& markdown) {
  std::ifstream readme(markdown);
  std::vector<Sample> samples;
  std::string line;
  std::size_t number = 0;
  bool in_block = false, first = false;
  while (std::getline(readme, line)) {
    ++number;
    if (line.starts_with("```")) {
      in_block = !in_block, first = in_block;
      continue;
    }
    if (!in_block) continue;
    if (first && line.starts_with("$ build/nnlab ")) samples.push_back({number, line.substr(2), {}});
    else if (!first && !samples.empty() && samples.back().line + samples.back().shown.size() + 1 == number)
      samples.back().shown.push_back(line);
    first = false;
  }
  return samples;
}

// The speed column appears only for epochs of 10 ms or more, which a busy machine decides: it is dropped on both sides.
std::string normalized(const std::string& line) {
  static const std::regex duration("<?[0-9]+(\\.[0-9]+)? (µs|ms|s)\\b|[0-9]+ min [0-9]+ s");
  static const std::regex speed(" *[0-9]+ samples/s");
  std::string result = std::regex_replace(std::regex_replace(line, speed, ""), duration, "<time>");
  while (!result.empty() && result.back() == ' ') result.pop_back();
  return result;
}

bool line_matches(const std::string& shown, const std::string& printed) {
  if (shown.size() > 3 && shown.ends_with("...")) {
    const std::string prefix = normalized(shown.substr(0, shown.size() - 3));
    return normalized(printed).starts_with(prefix);
  }
  return normalized(shown) == normalized(printed);
}

// "" when the printed lines are what the sample shows, else what differs.
std::string compare(const std::vector<std::string>& shown, const std::vector<std::string>& printed) {
  std::size_t at = 0;
  bool skipping = false;
  for (const std::string& line : shown) {
    if (line == "...") {
      skipping = true;
      continue;
    }
    while (skipping && at < printed.size() && !line_matches(line, printed[at])) ++at;
    if (at >= printed.size()) return "the file shows \"" + line + "\", which the program does not print (there)";
    if (!line_matches(line, printed[at]))
      return "the file shows\n  " + line + "\nwhere the program prints\n  " + printed[at];
    ++at, skipping = false;
  }
  if (!skipping && at < printed.size()) return "the program prints more after the last line shown: " + printed[at];
  return "";
}

// Runs every sample of a markdown file in a scratch folder with the repository's configs/ and data/, the built nnlab
// as build/nnlab, and an empty docs/images/ for the pictures the tutorial's commands draw.
void check_samples(const std::string& file, const std::vector<Sample>& samples) {
  const auto dir = temp_dir("readme");
  std::filesystem::create_directories(dir / "build");
  std::filesystem::create_directories(dir / "docs" / "images");
  std::filesystem::create_directory_symlink(source_dir() / "configs", dir / "configs");
  std::filesystem::create_directory_symlink(source_dir() / "data", dir / "data");
  std::filesystem::create_symlink(NNLAB_EXE, dir / "build" / "nnlab");
  for (const Sample& sample : samples) {
    CAPTURE(file, sample.line, sample.command);
    REQUIRE(!sample.shown.empty());
    const std::string command = "cd '" + dir.string() + "' && " + sample.command + " > out.txt 2> err.txt < /dev/null";
    std::system(command.c_str());
    const auto printed = lines_of(read_file(dir / "out.txt") + read_file(dir / "err.txt"));
    const std::string difference = compare(sample.shown, printed);
    INFO(difference);
    CHECK(difference.empty());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

TEST_CASE("the README's sample outputs are what the program prints", "[readme][cli]") {
  const auto samples = samples_in(source_dir() / "README.md");
  REQUIRE(samples.size() >= 4);  // Quick start, an error, a test result, a warning at least
  check_samples("README.md", samples);
}

TEST_CASE("the tutorial's sample outputs are what the program prints", "[readme][tutorial][cli]") {
  const auto samples = samples_in(source_dir() / "docs" / "tutorial.md");
  REQUIRE(samples.size() >= 12);  // most sections show what their command prints
  check_samples("docs/tutorial.md", samples);
}

TEST_CASE("the README check itself notices a changed number, a missing line and an extra line", "[readme]") {
  const std::vector<std::string> printed = {"epoch 1/2  loss 0.5  12 ms", "epoch 2/2  loss 0.25  1.4 s", "final"};
  CHECK(compare({"epoch 1/2  loss 0.5  3 ms", "...", "final"}, printed).empty());
  CHECK(compare({"epoch 1/2  loss 0.5  3 ms", "epoch 2/2  loss 0.25  9 ms", "final"}, printed).empty());
  CHECK(compare({"epoch 1/2  loss 0.5  3 ms", "..."}, {"epoch 1/2  loss 0.5  13 ms  4100 samples/s"}).empty());
  CHECK(compare({"epoch 1/2...", "..."}, printed).empty());
  CHECK(!compare({"epoch 1/2  loss 0.6  3 ms", "..."}, printed).empty());      // a number changed
  CHECK(!compare({"epoch 1/2  loss 0.5  3 ms", "final"}, printed).empty());     // a line is not shown
  CHECK(!compare({"epoch 1/2  loss 0.5  3 ms"}, printed).empty());              // the output goes on
  CHECK(!compare({"...", "test loss 0.1"}, printed).empty());                   // a line is not printed
}
