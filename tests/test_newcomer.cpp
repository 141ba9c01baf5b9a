// What a newcomer following the README meets in the first minutes: lines that fit a terminal whatever the numbers
// and the timing, help that is wrapped and free of parser notation, and error messages that say what went wrong.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>
#include <sys/wait.h>

#include "helpers.hpp"
#include "nnlab/config.hpp"
#include "nnlab/plot.hpp"
#include "nnlab/report.hpp"
#include "nnlab/text.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

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

TEST_CASE("compare prints accuracies as percentages in a table within 80 columns", "[compare][width]") {
  for (const std::string flags : {" --seeds 2", " --seeds 2 --target 0.5", ""}) {
    const auto result = run_nnlab("compare configs/spiral.json --activations relu,tanh,leaky_relu --epochs 3" + flags);
    CAPTURE(flags, result.out, result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(widest(result.out) <= 80);
    const auto lines = lines_of(result.out);
    const auto row = std::find_if(lines.begin(), lines.end(), [](auto& l) { return l.starts_with("leaky_relu "); });
    REQUIRE(row != lines.end());
    CHECK_THAT(*row, Catch::Matches(flags.empty() ? "leaky_relu +[0-9.]+ +[0-9]+\\.[0-9][0-9]% .*"
                                                  : "leaky_relu +[0-9.]+ ± [0-9.]+ +[0-9.]+% ± [0-9.]+% .*"));
    CHECK((result.out.find("to target") != std::string::npos) == (flags.find("--target") != std::string::npos));
  }
  const auto values = run_nnlab("compare configs/xor.json --values optimizer.learning_rate=0.1,1 --epochs 2 --seeds 2");
  REQUIRE(values.exit_code == 0);
  CAPTURE(values.out);
  CHECK(widest(values.out) <= 80);
  CHECK_THAT(values.out, Catch::StartsWith("comparing 2 values of optimizer.learning_rate on configs/xor.json, 2 epochs\n"
                                           "  each, seeds 1 to 2\n"));
}

TEST_CASE("gradcheck's report fits in 80 columns, with proximal L1 and a deep network's header too",
          "[console][width]") {
  for (const std::string config : {"configs/xor.json", "configs/sparse_l1.json", "configs/deep_relu.json"}) {
    const auto result = run_nnlab("gradcheck " + config + " --samples 4");
    CAPTURE(config, result.out, result.err);
    REQUIRE(result.out.find("gradient check of ") == 0);
    CHECK(widest(result.out) <= 80);
    CHECK(result.out.find("h = 1e-05") != std::string::npos);  // never broken between the step and its value
  }
}

TEST_CASE("a ten-class confusion matrix fits in 80 columns", "[console][width]") {
  const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  Evaluation evaluation;
  evaluation.confusion.assign(10, std::vector<std::size_t>(10, 7));
  for (std::size_t c = 0; c < 10; ++c) evaluation.confusion[c][c] = 6000;  // the largest Fashion-MNIST class
  const std::string table = format_confusion(evaluation, names);
  CAPTURE(table);
  CHECK(widest(table) <= 80);
  const auto lines = lines_of(table);
  REQUIRE(lines.size() == 12);
  CHECK(lines[1] == std::string(14, ' ') + "    0    1    2    3    4    5    6    7    8    9");
  CHECK(lines[11] == "9 Ankle boot      7    7    7    7    7    7    7    7    7 6000");
}

TEST_CASE("a model file, a config and a JSON file given where another kind belongs are named as such",
          "[cli][errors]") {
  const auto dir = temp_dir("file_kinds");
  const std::string model = (dir / "xor_model.json").string();
  REQUIRE(run_nnlab("train configs/xor.json --epochs 2 --quiet --save " + model).exit_code == 0);
  const struct {
    std::string arguments, message;
  } cases[] = {
      {"train " + model, "error: " + model + " is a model file saved by --save, not a config (such as "
                         "configs/xor.json); to train it further: nnlab train CONFIG --resume " + model},
      {"eval " + model + " --model " + model, "error: " + model + " is a model file saved by --save, not a config"},
      {"predict --model configs/xor.json --input configs/xor.json",
       "error: configs/xor.json is a training config, not a model file: --model takes a file saved by nnlab train "
       "--save (e.g. nnlab train configs/xor.json --save model.json)\n"},
      // a config with comments, which a model file never has
      {"eval configs/deep_relu.json --model configs/deep_relu.json",
       "error: configs/deep_relu.json is a training config, not a model file"},
      {"predict --model " + model + " --input configs/xor.json",
       "error: configs/xor.json looks like a JSON file (it starts with '{'), not a CSV file: a CSV file starts with "
       "a header row of column names, then one row per sample\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.arguments);
    check_usage_error(run_nnlab(c.arguments), c.message);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("generated and predicted CSV cells never read -0", "[cli][data]") {
  const auto result = run_nnlab("data generate spiral --samples 3");
  REQUIRE(result.exit_code == 0);
  CAPTURE(result.out);
  CHECK(result.out.find("-0,") == std::string::npos);
  CHECK(result.out.find(",-0\n") == std::string::npos);
  CHECK(result.out.find("\n0,0,") != std::string::npos);  // the spiral's first point is the origin
  CHECK(csv_number(-0.0) == "0");
  CHECK(csv_number(-0.0f) == "0");
  CHECK(csv_number(-0.25) == "-0.25");
}

TEST_CASE("train --resume without --save says at the end that nothing was saved, and never writes the model",
          "[cli][resume]") {
  const auto dir = temp_dir("resume_unsaved");
  const std::string model = (dir / "m.json").string();
  REQUIRE(run_nnlab("train configs/xor.json --epochs 2 --quiet --save " + model).exit_code == 0);
  const std::string before = read_file(model);
  const auto resumed = run_nnlab("train configs/xor.json --epochs 4 --resume " + model);
  REQUIRE(resumed.exit_code == 0);
  CAPTURE(resumed.out);
  CHECK(widest(resumed.out) <= 100);
  const auto at = resumed.out.find("\nnot saved: --resume only reads " + model + "; to keep these 2 epochs");
  REQUIRE(at != std::string::npos);
  std::string note = resumed.out.substr(at + 1);  // its lines joined again
  for (auto wrap = note.find("\n  "); wrap != std::string::npos; wrap = note.find("\n  ")) note.replace(wrap, 3, " ");
  CHECK(note == "not saved: --resume only reads " + model + "; to keep these 2 epochs, run with --save PATH (--save " +
                    model + " writes them back)\n");
  CHECK(read_file(model) == before);
  const auto saved = run_nnlab("train configs/xor.json --epochs 5 --resume " + model + " --save " + model);
  REQUIRE(saved.exit_code == 0);
  CHECK(saved.out.find("not saved") == std::string::npos);
  CHECK(read_file(model) != before);
  std::filesystem::remove_all(dir);
}

TEST_CASE("an epoch resumed mid-way counts only the batches it ran in its speed", "[resume][console]") {
  Config config = load_config(source_dir() / "configs" / "xor.json");
  config.epochs = 1;
  Trainer<float> trainer(config);
  const std::size_t rows = trainer.data().train.size(), batch = config.batch_size;
  REQUIRE(rows > 4 * batch);
  trainer.train_steps(3, nullptr);  // a checkpoint taken after batch 3 resumes here
  REQUIRE(trainer.batches_done() == 3);
  struct Last : TrainingObserver {
    EpochReport report;
    void on_epoch(const EpochReport& r) override { report = r; }
  } last;
  TrainingObserver* observers[] = {&last};
  trainer.run(observers);
  REQUIRE(last.report.seconds > 0);
  // samples/s × seconds is the number of rows the epoch trained: those after the first 3 batches.
  CHECK(last.report.samples_per_second * last.report.seconds == Approx(double(rows - 3 * batch)));
}

namespace {

// The y labels of a chart: the texts anchored at their end, left of the panel.
std::vector<std::string> y_labels(const std::string& svg) {
  std::vector<std::string> labels;
  const std::string mark = "text-anchor='end'>";
  for (auto at = svg.find(mark); at != std::string::npos; at = svg.find(mark, at + 1)) {
    const auto begin = at + mark.size();
    labels.push_back(svg.substr(begin, svg.find('<', begin) - begin));
  }
  return labels;
}

Series series_from(double low, double high, const std::string& name = "loss") {
  Series s{.name = name};
  for (int i = 0; i <= 20; ++i) s.x.push_back(i), s.y.push_back(low * std::pow(high / low, i / 20.0));
  return s;
}

}  // namespace

TEST_CASE("a log axis labels at least three values, all in one style", "[plot]") {
  const ChartOptions log{"t", "epoch", "loss (log scale)", true};
  // A loss that barely moves (deep_relu.json's 0.69): evenly spaced values, not one lone "1e-0".
  const auto flat = y_labels(line_chart_svg({series_from(0.62, 0.75)}, log));
  CAPTURE(flat);
  CHECK(flat.size() >= 3);
  for (const auto& label : flat) CHECK_THAT(label, Catch::Matches("0\\.[0-9]+"));
  // Under two decades: 2 and 5 times each power of ten, in decimals like the powers themselves.
  CHECK(y_labels(line_chart_svg({series_from(0.03, 1.5)}, log)) ==
        std::vector<std::string>{"0.05", "0.1", "0.2", "0.5", "1"});
  // Far from 1: powers of ten throughout, never 1e-0 or 1e0 beside 0.05.
  const auto wide = y_labels(line_chart_svg({series_from(1e-7, 2)}, log));
  CAPTURE(wide);
  CHECK(wide.front() == "1e-7");
  CHECK(wide.back() == "1e0");
  for (const auto& label : wide) CHECK_THAT(label, Catch::Matches("1e-?[0-9]"));
  // A loss within 0.694 to 0.716 (deep_sigmoid's report): steps of 0.01 would leave 0.7 and 0.71 alone.
  const auto narrow = y_labels(line_chart_svg({series_from(0.694, 0.716)}, log));
  CAPTURE(narrow);
  CHECK(narrow.size() >= 3);
}

TEST_CASE("a linear axis labels at least three values", "[plot]") {
  // From -1 to 9 (the linear fit's y): steps of 5 would label 0 and 5 alone.
  Series line{.name = "y"};
  for (int i = 0; i <= 20; ++i) line.x.push_back(i), line.y.push_back(-1 + 0.5 * i);
  const auto labels = y_labels(line_chart_svg({line}, {"t", "x", "y", false}));
  CAPTURE(labels);
  CHECK(labels.size() >= 3);
}

TEST_CASE("a chart's legend is as wide as its longest name", "[plot]") {
  const std::string name = "leaky_relu (3 seeds)";
  const std::string svg = line_chart_svg({series_from(0.1, 1, name), series_from(0.2, 1, "relu (3 seeds)")},
                                         {"t", "epoch", "loss", false, 680, 380});
  const auto at = svg.find(">" + name + "<");
  REQUIRE(at != std::string::npos);
  const auto x_at = svg.rfind("<text x='", at) + 9;
  const double x = std::stod(svg.substr(x_at));
  CHECK(x + 7.5 * double(name.size()) <= 680);  // about 7.5 px per character at 13 px
}

TEST_CASE("the HTML reports show accuracies as percentages and a toggle only for their own charts",
          "[report][cli]") {
  const auto dir = temp_dir("report_percent");
  REQUIRE(run_nnlab("train configs/xor.json --epochs 5 --quiet --report " + (dir / "t.html").string()).exit_code == 0);
  const std::string train = read_file(dir / "t.html");
  CHECK_THAT(train, Catch::Contains("log scale for the loss and the learning rate") && Catch::Contains("accuracy (%)"));
  // (a pattern over the whole page would overflow std::regex's recursion: only the words after "accuracy ")
  const auto after = [](const std::string& page, const std::string& mark) {
    const auto at = page.find(mark);
    return at == std::string::npos ? std::string() : page.substr(at + mark.size(), 40);
  };
  CHECK_THAT(after(train, " samples, accuracy "), Catch::Matches("[0-9]+\\.[0-9][0-9]%;.*"));
  REQUIRE(run_nnlab("compare configs/xor.json --activations relu,tanh --epochs 3 --report " +
                    (dir / "c.html").string()).exit_code == 0);
  const std::string compare = read_file(dir / "c.html");
  CHECK_THAT(compare, Catch::Contains("log scale for the loss</label>") && !Catch::Contains("learning rate</label>"));
  CHECK_THAT(after(compare, "<td>relu</td><td>"), Catch::Matches("[0-9.]+</td><td>[0-9]+\\.[0-9][0-9]%<.*"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("an exported script on a machine without numpy or PyTorch says in one line what to install", "[export]") {
  const auto dir = temp_dir("export_missing");
  const std::string model = (dir / "m.json").string();
  REQUIRE(run_nnlab("train configs/xor.json --epochs 1 --quiet --save " + model).exit_code == 0);
  REQUIRE(run_nnlab("export configs/xor.json --to pytorch -o " + (dir / "train.py").string()).exit_code == 0);
  REQUIRE(run_nnlab("export --model " + model + " --to pytorch -o " + (dir / "predict.py").string()).exit_code == 0);
  const std::string install = " is missing): on Debian or Ubuntu, sudo apt-get install python3-numpy python3-torch; "
                              "elsewhere, pip install numpy torch";
  // python3 -S leaves out the site packages (Debian's numpy and torch among them), as on a fresh machine.
  for (const auto& [script, missing] : {std::pair{"train.py", "numpy"}, {"predict.py", "torch"}}) {
    CAPTURE(script);
    const auto err = dir / "err.txt";
    const int status = std::system(("cd '" + dir.string() + "' && /usr/bin/python3 -S " + script + " > /dev/null 2> '" +
                                    err.string() + "'").c_str());
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(read_file(err) == std::string("this script needs numpy and PyTorch (") + missing + install + "\n");
  }
  // Imported as a module, it raises that message instead of ending the importing program.
  const auto err = dir / "err.txt";
  std::system(("cd '" + dir.string() + "' && /usr/bin/python3 -S -c 'import predict' 2> '" + err.string() + "'").c_str());
  CHECK_THAT(read_file(err), Catch::EndsWith("ModuleNotFoundError: this script needs numpy and PyTorch (torch" +
                                             install + "\n"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a one-neuron model's equation fits 80 columns and breaks only before a +", "[console][width]") {
  // Ten inputs at round-trip precision: one 160-column line before, two lines of at most 80 now.
  const auto sparse = run_nnlab("train configs/sparse_l1.json --epochs 20 --log-every 20");
  REQUIRE(sparse.exit_code == 0);
  const std::vector<std::string> lines = lines_of(sparse.out);
  const auto y = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("y = "); });
  REQUIRE(y != lines.end());
  std::string equation = *y;
  for (auto next = y + 1; next != lines.end() && next->starts_with("    + "); ++next) {
    CHECK(columns(*next) <= 80);
    equation += " " + next->substr(4);
  }
  CHECK(columns(*y) <= 80);
  CHECK(y + 1 != lines.end());
  CHECK((y + 1)->starts_with("    + "));  // it did not fit on one line
  // Joined again, the lines are the equation: every input once, each term whole ("w * xN"), the bias last.
  for (int i = 1; i <= 10; ++i) CHECK(equation.find(" * x" + std::to_string(i) + " + ") != std::string::npos);
  CHECK(std::count(equation.begin(), equation.end(), '+') == 10);
  // The sigmoid's line is wrapped the same way; one input stays on one line, as the linear-fit article prints it.
  const auto sigmoid = run_nnlab("train configs/sparse_l1.json --epochs 2 --output-activation sigmoid");
  REQUIRE(sigmoid.exit_code == 0);
  CHECK_THAT(sigmoid.out, Catch::Contains("(the neuron outputs sigmoid(") && Catch::Contains("\n    + "));
  CHECK(widest(sigmoid.out.substr(sigmoid.out.find("final loss"))) <= 80);
  const auto one = run_nnlab("train configs/linear_fit.json");
  CHECK_THAT(one.out, Catch::Contains("\ny = 1.9994495236393368 * x + 0.0015692875826035394\n"));
}

TEST_CASE("regression errors show 6 significant digits and R2 never rounds up to a perfect 1", "[console]") {
  const auto fit = run_nnlab("train configs/linear_fit.json");
  REQUIRE(fit.exit_code == 0);
  CHECK_THAT(fit.out, Catch::Contains("\ntrain rmse 0.000908508, R² 0.9999999\n"));  // R² 0.99999989682...
  const auto houses = run_nnlab("train configs/houses.json --epochs 3");
  REQUIRE(houses.exit_code == 0);
  const std::vector<std::string> lines = lines_of(houses.out);
  const auto train =
      std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("train rmse "); });
  REQUIRE(train != lines.end());
  // "train rmse 12345.6, R² 0.123456 (target's units; mse 1.23456e+08)": no number longer than 6 digits.
  std::istringstream words(*train);
  for (std::string word; words >> word;) {
    const std::string mantissa = word.substr(0, word.find('e'));
    const std::size_t first = mantissa.find_first_of("123456789");  // leading zeros are not significant
    if (first == std::string::npos) continue;
    const std::string significant = mantissa.substr(first);
    CAPTURE(word);
    CHECK(std::count_if(significant.begin(), significant.end(), [](char c) { return std::isdigit(c) != 0; }) <= 6);
  }
}
