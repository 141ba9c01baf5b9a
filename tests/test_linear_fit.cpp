// The linear-fit article (one neuron fitting y = 2x, ../shared/reference/) reproduced number for number: every
// epoch's m, b and loss against tests/fixtures/linear_fit.json, written by tests/fixtures/make_fixtures.py.
#include <catch2/catch.hpp>
#include <fstream>

#include "helpers.hpp"
#include "nnlab/config.hpp"
#include "nnlab/csv.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// The subset of `nnlab train` flags the fixture cases use, mapped as the CLI maps them.
Overrides overrides_from(const std::vector<std::string>& flags) {
  Overrides o;
  for (std::size_t i = 0; i + 1 < flags.size(); i += 2) {
    const std::string& flag = flags[i];
    const std::string& value = flags[i + 1];
    if (flag == "--activation") o.activation = value;
    else if (flag == "--lr") o.learning_rate = std::stod(value);
    else if (flag == "--epochs") o.epochs = std::stoul(value);
    else if (flag == "--l1") o.l1 = std::stod(value);
    else if (flag == "--l2") o.l2 = std::stod(value);
    else FAIL("fixture uses a flag this test does not map: " + flag);
  }
  return o;
}

struct WeightRecorder : TrainingObserver {
  Network<double>& network;
  std::vector<EpochReport> reports;
  std::vector<std::pair<double, double>> lines;  // (m, b) after each epoch
  explicit WeightRecorder(Network<double>& n) : network(n) {}
  void on_epoch(const EpochReport& r) override {
    reports.push_back(r);
    lines.emplace_back(network.layer(0).weight.value[0], network.layer(0).bias.value[0]);
  }
};

void require_close(double actual, double expected) {
  REQUIRE(actual == Approx(expected).epsilon(kGoldenRelative).margin(1e-300));
}

}  // namespace

TEST_CASE("the linear-fit configs reproduce the article at every epoch", "[linear_fit]") {
  for (const auto& c : load_fixture("linear_fit.json")) {
    const std::string name = c["name"];
    CAPTURE(name);
    Config config = load_config(source_dir() / "configs" / c["config"].get<std::string>());
    apply_overrides(config, overrides_from(c["flags"].get<std::vector<std::string>>()));
    REQUIRE(config.dtype == DType::float64);

    Trainer<double> trainer(config);
    WeightRecorder recorder(trainer.network());
    std::vector<TrainingObserver*> observers = {&recorder};
    trainer.run(observers);

    const auto& epochs = c["epochs"];
    REQUIRE(recorder.reports.size() == epochs.size());
    for (std::size_t i = 0; i < epochs.size(); ++i) {
      CAPTURE(i + 1);
      REQUIRE(recorder.reports[i].epoch == epochs[i]["epoch"].get<std::size_t>());
      require_close(recorder.lines[i].first, epochs[i]["m"]);
      require_close(recorder.lines[i].second, epochs[i]["b"]);
      require_close(recorder.reports[i].loss, epochs[i]["loss"]);
      require_close(recorder.reports[i].data_loss, epochs[i]["data_loss"]);
      require_close(recorder.reports[i].penalty, epochs[i]["penalty"]);
    }
  }
}

TEST_CASE("nnlab train prints the article's numbers and a full metrics CSV", "[linear_fit][cli]") {
  const auto dir = temp_dir("linear_fit_cli");
  for (const auto& c : load_fixture("linear_fit.json")) {
    const std::string name = c["name"];
    CAPTURE(name);
    const auto metrics = dir / (name + ".csv");
    std::string arguments = "train configs/" + c["config"].get<std::string>() + " --metrics '" + metrics.string() + "'";
    for (const auto& flag : c["flags"]) arguments += " " + flag.get<std::string>();
    const CliResult result = run_nnlab(arguments);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);

    const CsvTable table = read_csv(metrics);
    REQUIRE(table.header == std::vector<std::string>{"epoch", "loss", "data_loss", "penalty", "validation_loss",
                                                     "train_accuracy", "validation_accuracy", "learning_rate",
                                                     "seconds", "samples_per_second"});
    const Tensor<double> values = table.numeric_columns({0, 1, 2, 3});
    const auto& epochs = c["epochs"];
    REQUIRE(values.rows() == epochs.size());
    for (std::size_t i = 0; i < epochs.size(); ++i) {
      REQUIRE(values(i, 0) == double(i + 1));
      require_close(values(i, 1), epochs[i]["loss"]);
      require_close(values(i, 2), epochs[i]["data_loss"]);
      require_close(values(i, 3), epochs[i]["penalty"]);
    }

    // The final line, at round-trip precision: parse it back and compare with the golden m and b.
    const auto& last = epochs.back();
    const std::size_t at = result.out.find("\ny = ");
    REQUIRE(at != std::string::npos);
    double m = 0, b = 0;
    REQUIRE(std::sscanf(result.out.c_str() + at, "\ny = %lf * x + %lf", &m, &b) == 2);
    require_close(m, last["m"]);
    require_close(b, last["b"]);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the article's claims hold: a sigmoid cannot reach y = 2x, a linear neuron can", "[linear_fit]") {
  auto final_loss = [](const std::string& file) {
    Trainer<double> trainer(load_config(source_dir() / "configs" / file));
    const EpochReport last = trainer.run().last;
    return std::tuple{last.data_loss, trainer.network().layer(0).weight.value[0],
                      trainer.network().layer(0).bias.value[0]};
  };
  const auto [sigmoid_loss, m_sigmoid, b_sigmoid] = final_loss("linear_fit_l1.json");
  const auto [linear_loss, m, b] = final_loss("linear_fit.json");
  REQUIRE(sigmoid_loss > 10);  // outputs stuck in (0, 1) while targets reach 8
  REQUIRE(linear_loss < 1e-3);
  REQUIRE(m == Approx(2).margin(0.02));
  REQUIRE(b == Approx(0).margin(0.05));
}
