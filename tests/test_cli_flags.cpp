// The command line's strictness, flag by flag: every flag of every subcommand (every alias, as `--help` lists them)
// given a bad value exits 2 with one `error:` line that says what was wrong; unknown flags and commands get the
// nearest valid name and the --help to read.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>

#include "helpers.hpp"

using namespace nnlab::test;

namespace {

// Every flag name in a `--help` text's Options section: "-q, --quiet, --no-quiet" gives -q, --quiet, --no-quiet.
std::set<std::string> flags_in_help(const std::string& help) {
  std::set<std::string> flags;
  std::istringstream lines(help);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("  -")) continue;
    std::istringstream words(line);
    for (std::string word; words >> word && word.starts_with("-");) flags.insert(word.substr(0, word.find(',')));
  }
  flags.erase("-h"), flags.erase("--help"), flags.erase("--version");
  return flags;
}

struct BadValue {
  std::string command;  // the subcommand, as typed: "train", "plot loss"
  std::string flag;     // the alias under test
  std::string arguments;  // the whole command line after `nnlab`; {dir} is a folder holding a model and metrics
  std::string message;    // what stderr starts with
  int exit_code = 2;
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("every flag of every subcommand refuses a bad value with exit 2 and one error line", "[cli][flags]") {
  const auto dir = temp_dir("flags");
  const std::string d = dir.string();
  REQUIRE(run_nnlab("train configs/xor.json --epochs 2 --quiet --diagnostics --save " + d + "/xor.json --metrics " +
                    d + "/xor.csv")
              .exit_code == 0);
  REQUIRE(run_nnlab("train configs/linear_fit.json --epochs 2 --quiet --save " + d + "/fit.json").exit_code == 0);
  const std::string fit = "train configs/linear_fit.json";
  const std::string whole = ": must be a whole number ";
  const std::string nowhere = "/nonexistent/dir/";
  const std::vector<BadValue> table = {
      {"train", "--activation", fit + " --activation rleu", "error: --activation: unknown activation \"rleu\" (did you mean \"relu\"?)"},
      {"train", "--output-activation", fit + " --output-activation sigmod",
       "error: --output-activation: unknown activation \"sigmod\" (did you mean \"sigmoid\"?)"},
      {"train", "--lr", fit + " --lr -1", "error: --lr: must be a number greater than 0, got -1"},
      {"train", "--learning-rate", fit + " --learning-rate abc", "error: --lr: must be a number, got \"abc\""},
      {"train", "--epochs", fit + " --epochs -5", "error: --epochs" + whole + "from 1 to 1000000000, got -5"},
      {"train", "--epochs", fit + " --epochs 2.5", "error: --epochs" + whole + "from 1 to 1000000000, got 2.5"},
      {"train", "--batch-size", fit + " --batch-size -1", "error: --batch-size" + whole + "of at least 0, got -1"},
      {"train", "--momentum", fit + " --momentum 1", "error: --momentum: must be at least 0 and below 1, got 1"},
      {"train", "--l1", fit + " --l1 -0.5", "error: --l1: must be a number of at least 0, got -0.5"},
      {"train", "--l2", fit + " --l2 nan", "error: --l2: must be a finite number, got \"nan\""},
      {"train", "--seed", fit + " --seed -1", "error: --seed" + whole + "of at least 0, got -1"},
      {"train", "--init", fit + " --init foo", "error: --init: unknown init \"foo\""},
      {"train", "--init-gain", fit + " --init-gain 0", "error: --init-gain: must be a number greater than 0, got 0"},
      {"train", "--dtype", fit + " --dtype float16", "error: --dtype: unknown dtype \"float16\""},
      {"train", "--log-every", fit + " --log-every 0", "error: --log-every" + whole + "from 1 to 1000000000, got 0"},
      {"train", "--metrics", fit + " --metrics " + nowhere + "m.csv", "error: cannot write metrics file " + nowhere},
      {"train", "--save", fit + " --save " + nowhere + "m.json", "error: cannot write model file " + nowhere},
      {"train", "--resume", fit + " --resume no/such.json", "error: cannot read model file no/such.json: no such file"},
      {"train", "--plot", fit + " --plot " + nowhere + "p.svg", "error: cannot write plot file " + nowhere},
      {"train", "--report", fit + " --report " + nowhere + "r.html", "error: cannot write"},
      {"train", "--threads", fit + " --threads abc", "error: --threads" + whole + "from 1 to 1024, got \"abc\""},
      {"train", "--checkpoint-every", fit + " --checkpoint-every -2",
       "error: --checkpoint-every" + whole + "from 1 to 1000000000, got -2"},
      {"train", "-q", fit + " -q=maybe", "error: -q: takes no value, or =true or =false, got \"maybe\""},
      {"train", "--quiet", fit + " --quiet=maybe", "error: --quiet: takes no value, or =true or =false, got \"maybe\""},
      {"train", "--no-quiet", fit + " --no-quiet=2x", "error: --no-quiet: takes no value, or =true or =false"},
      {"train", "--diagnostics", fit + " --diagnostics=maybe", "error: --diagnostics: takes no value, or =true"},
      {"train", "--no-diagnostics", fit + " --no-diagnostics=on2", "error: --no-diagnostics: takes no value"},
      {"eval", "--model", "eval configs/xor.json --model no/such.json", "error: cannot read model file no/such.json"},
      {"eval", "--data", "eval configs/xor.json --model {dir}/xor.json --data no/such.csv", "error: cannot read data file"},
      {"predict", "--model", "predict --model no/such.json --input data/iris.csv", "error: cannot read model file"},
      {"predict", "--input", "predict --model {dir}/xor.json --input no/such.csv", "error: cannot read data file"},
      {"predict", "--output", "predict --model {dir}/fit.json --input data/linear.csv --output " + nowhere + "p.csv",
       "error: cannot write predictions file " + nowhere},
      {"data generate", "--samples", "data generate xor --samples 1", "error: --samples" + whole + "from 2 to 100000000, got 1"},
      {"data generate", "--noise", "data generate xor --noise lots", "error: --noise: must be a number, got \"lots\""},
      {"data generate", "--seed", "data generate xor --seed 1.5", "error: --seed" + whole + "of at least 0, got 1.5"},
      {"data generate", "--classes", "data generate spiral --classes -3", "error: --classes" + whole + "of at least 2, got -3"},
      {"compare", "--activations", "compare configs/xor.json --activations tanh,rleu",
       "error: --activations: unknown activation \"rleu\" (did you mean \"relu\"?)"},
      {"compare", "--values", "compare configs/xor.json --values x", "error: --values: expected KEY=v1,v2,..."},
      {"compare", "--seeds", "compare configs/xor.json --activations tanh --seeds 0",
       "error: --seeds" + whole + "from 1 to 1000, got 0"},
      {"compare", "--lr", "compare configs/xor.json --activations tanh --lr 0", "error: --lr: must be a number greater"},
      {"compare", "--learning-rate", "compare configs/xor.json --activations tanh --learning-rate x",
       "error: --lr: must be a number, got \"x\""},
      {"compare", "--seed", "compare configs/xor.json --activations tanh --seed -2",
       "error: --seed" + whole + "of at least 0, got -2"},
      {"compare", "--init", "compare configs/xor.json --activations tanh --init foo", "error: --init: unknown init"},
      {"compare", "--init-gain", "compare configs/xor.json --activations tanh --init-gain -1",
       "error: --init-gain: must be a number greater than 0, got -1"},
      {"compare", "--batch-size", "compare configs/xor.json --activations tanh --batch-size 1.5",
       "error: --batch-size" + whole + "of at least 0, got 1.5"},
      {"compare", "--momentum", "compare configs/xor.json --activations tanh --momentum 2",
       "error: --momentum: must be at least 0 and below 1, got 2"},
      {"compare", "--l1", "compare configs/xor.json --activations tanh --l1 -1", "error: --l1: must be a number of"},
      {"compare", "--l2", "compare configs/xor.json --activations tanh --l2 x", "error: --l2: must be a number, got"},
      {"compare", "--dtype", "compare configs/xor.json --activations tanh --dtype f16", "error: --dtype: unknown dtype"},
      {"compare", "--report", "compare configs/xor.json --activations tanh --report " + nowhere + "r.html",
       "error: cannot write"},
      {"compare", "--target", "compare configs/xor.json --activations tanh --target low",
       "error: --target: must be a number, got \"low\""},
      {"compare", "--epochs", "compare configs/xor.json --activations tanh --epochs 0",
       "error: --epochs" + whole + "from 1 to 1000000000, got 0"},
      {"compare", "--csv", "compare configs/xor.json --activations tanh --csv " + nowhere + "c.csv",
       "error: cannot write CSV file " + nowhere},
      {"compare", "--plot", "compare configs/xor.json --activations tanh --plot " + nowhere + "c.svg",
       "error: cannot write plot file " + nowhere},
      {"gradcheck", "--samples", "gradcheck configs/xor.json --samples 0", "error: --samples" + whole + "of at least 1, got 0"},
      {"gradcheck", "--tolerance", "gradcheck configs/xor.json --tolerance 1e-4x",
       "error: --tolerance: must be a number, got \"1e-4x\""},
      {"explain", "--sample", "explain configs/linear_fit.json --sample -1", "error: --sample" + whole + "of at least 0, got -1"},
      {"explain", "--batch", "explain configs/linear_fit.json --batch 0", "error: --batch" + whole + "of at least 1, got 0"},
      {"explain", "--model", "explain configs/linear_fit.json --model no/such.json", "error: cannot read model file"},
      {"explain", "--full", "explain configs/linear_fit.json --full=x", "error: --full: takes no value"},
      {"explain", "--no-full", "explain configs/linear_fit.json --no-full=x", "error: --no-full: takes no value"},
      {"explain", "--json", "explain configs/linear_fit.json --json=maybe", "error: --json: takes no value"},
      {"explain", "--no-json", "explain configs/linear_fit.json --no-json=x", "error: --no-json: takes no value"},
      {"export", "--to", "export configs/xor.json --to tensorflow", "error: --to: tensorflow not in {pytorch}"},
      {"export", "--output", "export configs/xor.json --to pytorch --output " + nowhere + "t.py",
       "error: cannot write"},
      {"export", "-o", "export configs/xor.json --to pytorch -o " + nowhere + "t.py", "error: cannot write"},
      {"export", "--model", "export --to pytorch --model no/such.json", "error: cannot read model file"},
      {"plot loss", "--output", "plot loss {dir}/xor.csv --output " + nowhere + "l.svg", "error: cannot write plot file"},
      {"plot loss", "-o", "plot loss {dir}/xor.csv -o " + nowhere + "l.svg", "error: cannot write plot file"},
      {"plot loss", "--linear", "plot loss {dir}/xor.csv --linear=maybe", "error: --linear: takes no value"},
      {"plot loss", "--no-linear", "plot loss {dir}/xor.csv --no-linear=1.5", "error: --no-linear: takes no value"},
      {"plot activations", "--output", "plot activations --output " + nowhere + "a.svg", "error: cannot write plot file"},
      {"plot activations", "-o", "plot activations -o " + nowhere + "a.svg", "error: cannot write plot file"},
      {"plot boundary", "--model", "plot boundary configs/xor.json --model no/such.json", "error: cannot read model file"},
      {"plot boundary", "--output", "plot boundary configs/xor.json --model {dir}/xor.json --output " + nowhere + "b.svg",
       "error: cannot write plot file"},
      {"plot boundary", "-o", "plot boundary configs/xor.json --model {dir}/xor.json -o " + nowhere + "b.svg",
       "error: cannot write plot file"},
      {"plot gradients", "--output", "plot gradients {dir}/xor.csv --output " + nowhere + "g.svg",
       "error: cannot write plot file"},
      {"plot gradients", "-o", "plot gradients {dir}/xor.csv -o " + nowhere + "g.svg", "error: cannot write plot file"},
      {"plot weights", "--output", "plot weights {dir}/fit.json --output " + nowhere + "w.svg",
       "error: cannot write plot file"},
      {"plot weights", "-o", "plot weights {dir}/fit.json -o " + nowhere + "w.svg", "error: cannot write plot file"},
  };

  // The table covers every flag that `--help` lists, so a new flag cannot skip this test.
  std::map<std::string, std::set<std::string>> covered;
  for (const BadValue& row : table) covered[row.command].insert(row.flag);
  for (const std::string command : {"train", "eval", "predict", "data generate", "compare", "gradcheck", "explain",
                                    "export", "plot loss", "plot activations", "plot boundary", "plot gradients",
                                    "plot weights"}) {
    const auto help = run_nnlab(command + " --help");
    REQUIRE(help.exit_code == 0);
    for (const std::string& flag : flags_in_help(help.out)) {
      INFO("nnlab " << command << " " << flag << " has no bad-value row in tests/test_cli_flags.cpp: add one");
      CHECK(covered[command].count(flag) == 1);
    }
  }

  for (const BadValue& row : table) {
    const std::string arguments = replace_all(row.arguments, "{dir}", d);
    CAPTURE(arguments);
    const auto result = run_nnlab(arguments);
    CHECK(result.exit_code == row.exit_code);
    CHECK_THAT(result.err, Catch::StartsWith(row.message));
    CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
    CHECK(result.out.find("\nepoch ") == std::string::npos);  // nothing trained before the error
  }
  std::filesystem::remove_all(dir);
}

// A number a double cannot hold used to reach the range checks as 0 or inf ("--lr: must be a number greater than 0,
// got 0" for 1e-400). Every flag that --help shows taking a number X is tried with each, and the message must name
// the number as it was typed.
TEST_CASE("a number flag given a number no double holds names it as typed", "[cli][flags]") {
  const std::map<std::string, std::string> command_lines = {
      {"train", "train configs/linear_fit.json --epochs 1"},
      {"compare", "compare configs/xor.json --activations tanh --epochs 1"},
      {"data generate", "data generate xor"},
      {"gradcheck", "gradcheck configs/xor.json"},
      {"eval", "eval configs/xor.json --model m.json"},
      {"predict", "predict --model m.json --input in.csv"},
      {"explain", "explain configs/xor.json"},
  };
  const std::vector<std::pair<std::string, std::string>> values = {
      {"1e-400", " is too close to 0 for a number (the smallest is about 4.9e-324); write 0 if you mean 0\n"},
      {"-2.5e-999", " is too close to 0 for a number"},
      {"1e400", " is too large for a number (the largest is about 1.8e308)\n"},
      {"-1E+309", " is too large for a number"},
  };
  std::size_t flags_tried = 0;
  for (const auto& [command, line] : command_lines) {
    const auto help = run_nnlab(command + " --help");
    REQUIRE(help.exit_code == 0);
    std::istringstream lines(help.out);
    std::string help_line;
    while (std::getline(lines, help_line)) {
      std::istringstream words(help_line);
      std::vector<std::string> names;  // "--lr, --learning-rate X": the names, then the value's type
      std::string word;
      while (words >> word && word.starts_with("--")) names.push_back(word.substr(0, word.find(',')));
      if (names.empty() || word != "X") continue;
      const std::string first = names.front();
      for (const std::string& flag : names) {
        ++flags_tried;
        for (const auto& [value, message] : values) {
          const std::string arguments = line + " " + flag + " " + value;
          CAPTURE(arguments);
          const auto result = run_nnlab(arguments);
          CHECK(result.exit_code == 2);
          CHECK_THAT(result.err, Catch::StartsWith("error: " + first + ": " + value + message));
        }
        for (const std::string value : {"nan", "-inf", "Infinity"}) {
          const std::string arguments = line + " " + flag + "=" + value;
          CAPTURE(arguments);
          const auto result = run_nnlab(arguments);
          CHECK(result.exit_code == 2);
          CHECK(result.err == "error: " + first + ": must be a finite number, got \"" + value + "\"\n");
        }
      }
    }
  }
  CHECK(flags_tried >= 15);
  // compare --values reads its numbers the same way.
  const auto tiny = run_nnlab("compare configs/xor.json --values optimizer.learning_rate=0.1,1e-400");
  CHECK(tiny.exit_code == 2);
  CHECK(tiny.err == "error: --values optimizer.learning_rate=1e-400: 1e-400 is too close to 0 for a number (the "
                    "smallest is about 4.9e-324); write 0 if you mean 0\n");
  const auto huge = run_nnlab("compare configs/xor.json --values optimizer.momentum=1e400");
  CHECK(huge.exit_code == 2);
  CHECK(huge.err == "error: --values optimizer.momentum=1e400: 1e400 is too large for a number (the largest is about "
                    "1.8e308)\n");  // train's 6 and compare's 7 (--learning-rate aliases included), --noise, --tolerance
  // A denormal is a number (a tiny one): accepted as it is.
  CHECK(run_nnlab("train configs/linear_fit.json --epochs 1 -q --lr 1e-310").exit_code == 0);
}

TEST_CASE("unknown flags and commands get the nearest valid name and the right --help", "[cli][flags]") {
  struct Case {
    std::string arguments, message;
  };
  const std::vector<Case> cases = {
      {"train configs/linear_fit.json --epoch 5",
       "error: unknown flag --epoch; did you mean --epochs? (see 'nnlab train --help')\n"},
      {"train --epoch 5 configs/linear_fit.json",
       "error: unknown flag --epoch; did you mean --epochs? (see 'nnlab train --help')\n"},
      {"train configs/linear_fit.json --bogus", "error: unknown flag --bogus (see 'nnlab train --help')\n"},
      {"compare configs/xor.json --activation tanh",
       "error: unknown flag --activation; did you mean --activations? (see 'nnlab compare --help')\n"},
      {"trian configs/linear_fit.json", "error: unknown command \"trian\"; did you mean \"train\"? (see 'nnlab --help')\n"},
      {"plot los x.csv",
       "error: unknown command \"los\" for nnlab plot; did you mean \"loss\"? (see 'nnlab plot --help')\n"},
      {"data generat xor",
       "error: unknown command \"generat\" for nnlab data; did you mean \"generate\"? (see 'nnlab data --help')\n"},
      {"frobnicate", "error: unknown command \"frobnicate\"; choose one of train, eval, predict, data, compare, "},
      {"train", "error: config is required (see 'nnlab train --help')\n"},
      {"train configs/linear_fit.json --epochs", "error: --epochs needs a value: a whole number, e.g. --epochs 10 (see 'nnlab train --help')\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.arguments);
    check_usage_error(run_nnlab(c.arguments), c.message);
  }
}

TEST_CASE("booleans take --x, --no-x and --x=true or false, and whole numbers take 1e3", "[cli][flags]") {
  const std::string run = "train configs/linear_fit.json --epochs 2 ";
  const auto layer_lines = [](const std::string& out) {
    std::size_t count = 0;
    for (auto at = out.find("\n  layer "); at != std::string::npos; at = out.find("\n  layer ", at + 1)) ++count;
    return count;
  };
  CHECK(layer_lines(run_nnlab(run + "--diagnostics").out) >= 2);
  CHECK(layer_lines(run_nnlab(run + "--diagnostics=true").out) >= 2);
  CHECK(layer_lines(run_nnlab(run + "--diagnostics=false").out) == 0);
  CHECK(layer_lines(run_nnlab(run + "--diagnostics --no-diagnostics").out) == 0);
  // configs/deep_sigmoid.json turns diagnostics on; --no-diagnostics turns them off again.
  CHECK(layer_lines(run_nnlab("train configs/deep_sigmoid.json --epochs 1 --no-diagnostics").out) == 0);
  CHECK(run_nnlab(run + "--quiet=false").out.find("epoch 2/2") != std::string::npos);
  CHECK(run_nnlab(run + "--quiet=true").out.find("epoch") == std::string::npos);
  CHECK(run_nnlab(run + "-q --no-quiet").out.find("epoch 2/2") != std::string::npos);
  const auto thousand = run_nnlab("train configs/linear_fit.json --epochs 1e1 --log-every=5");
  CHECK(thousand.exit_code == 0);
  CHECK(thousand.out.find("epoch 10/10") != std::string::npos);
}
