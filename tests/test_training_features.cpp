// Learning-rate schedules, early stopping, saved models, resuming.
#include <catch2/catch.hpp>
#include <fstream>
#include <numeric>
#include <thread>

#include "helpers.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/random.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

Config spiral_config(const std::filesystem::path& dir, const std::string& extra_training = "") {
  std::ofstream(dir / "spiral.json") << R"({
    "data": {"train": {"generate": "spiral", "samples": 120, "noise": 0.1, "seed": 4, "classes": 3},
             "validation_fraction": 0.25, "normalize": "standard"},
    "model": {"layers": [{"units": 6, "activation": "prelu"}, {"units": 3, "activation": "softmax"}], "init": "he"},
    "loss": "cross_entropy",
    "optimizer": {"learning_rate": 0.05, "momentum": 0.9, "batch_size": 16},
    "regularization": {"l2": 0.001},
    "training": {"epochs": 6, "seed": 9)" + extra_training + "}}";
  return load_config(dir / "spiral.json");
}

struct Recorder : TrainingObserver {
  std::vector<EpochReport> reports;
  void on_epoch(const EpochReport& r) override { reports.push_back(r); }
};

template <typename T>
std::vector<double> all_values(Network<T>& network) {
  std::vector<double> values;
  for (auto* p : network.parameters())
    for (T v : p->value.values()) values.push_back(double(v));
  return values;
}

}  // namespace

TEST_CASE("learning-rate schedules follow their formulas", "[schedule]") {
  Config config;
  config.optimizer.learning_rate = 0.1;
  config.epochs = 10;
  REQUIRE(scheduled_learning_rate(config, 7) == 0.1);
  config.schedule = {ScheduleKind::step, 3, 0.5};
  REQUIRE(scheduled_learning_rate(config, 3) == 0.1);
  REQUIRE(scheduled_learning_rate(config, 4) == 0.05);
  REQUIRE(scheduled_learning_rate(config, 7) == 0.025);
  config.schedule = {ScheduleKind::exponential, 1, 0.9};
  REQUIRE(scheduled_learning_rate(config, 3) == Approx(0.081));
  config.schedule = {ScheduleKind::cosine, 1, 1, 0.01};
  REQUIRE(scheduled_learning_rate(config, 1) == Approx(0.1));
  REQUIRE(scheduled_learning_rate(config, 6) == Approx(0.055));  // halfway: the mean of 0.1 and 0.01
}

TEST_CASE("early stopping keeps the weights of the best validation epoch", "[early_stopping]") {
  const auto dir = temp_dir("early");
  Config config = spiral_config(dir, R"(, "early_stopping": {"patience": 3})");
  config.epochs = 200;
  config.optimizer.learning_rate = 0.5;  // noisy on purpose, so the validation loss goes up and down
  Trainer<double> trainer(config);
  Recorder recorder;
  std::vector<TrainingObserver*> observers = {&recorder};
  const RunSummary summary = trainer.run(observers);
  REQUIRE(summary.stopped_early);
  REQUIRE(recorder.reports.size() == summary.best_epoch + 3);
  double best = INFINITY;
  for (const auto& r : recorder.reports) best = std::min(best, *r.validation_loss);
  REQUIRE(*recorder.reports[summary.best_epoch - 1].validation_loss == best);
  REQUIRE(trainer.evaluate(trainer.data().validation).loss == best);  // the restored weights give the best loss
  REQUIRE(*summary.last.validation_loss == best);
  std::filesystem::remove_all(dir);
}

TEMPLATE_TEST_CASE("a saved model predicts bit for bit what the trained one did", "[model_io]", float, double) {
  const auto dir = temp_dir("save");
  Config config = spiral_config(dir);
  config.dtype = std::is_same_v<TestType, float> ? DType::float32 : DType::float64;
  Trainer<TestType> trainer(config);
  trainer.run();
  save_model(dir / "model.json", trainer);
  REQUIRE_FALSE(std::filesystem::exists(dir / "model.json.tmp"));

  const SavedModel saved = load_model(dir / "model.json");
  REQUIRE(saved.schema.class_names == trainer.data().schema.class_names);
  REQUIRE(saved.schema.normalization.shift == trainer.data().schema.normalization.shift);
  REQUIRE(saved.epochs_done == 6);
  Network<TestType> loaded = network_from<TestType>(saved);
  REQUIRE(all_values(loaded) == all_values(trainer.network()));
  const Tensor<TestType> before = predict(trainer.network(), trainer.data().validation);
  const Tensor<TestType> after = predict(loaded, trainer.data().validation);
  REQUIRE(before == after);
  std::filesystem::remove_all(dir);
}

TEST_CASE("training resumed from a saved model ends where an uninterrupted run does", "[model_io][resume]") {
  const auto dir = temp_dir("resume");
  Config config = spiral_config(dir);
  Trainer<float> straight(config);
  straight.run();

  Config first_half = config;
  first_half.epochs = 3;
  Trainer<float> part(first_half);
  part.run();
  save_model(dir / "half.json", part);

  const SavedModel saved = load_model(dir / "half.json");
  Trainer<float> resumed(config, load_data(config, &saved.schema));
  restore(resumed, saved, dir / "half.json");
  REQUIRE(resumed.epochs_done() == 3);
  const RunSummary summary = resumed.run();
  REQUIRE(summary.last.epoch == 6);
  REQUIRE(all_values(resumed.network()) == all_values(straight.network()));
  std::filesystem::remove_all(dir);
}

TEST_CASE("model files that are broken, of another version or of another shape are clear errors", "[model_io]") {
  const auto dir = temp_dir("bad_models");
  Config config = spiral_config(dir);
  config.epochs = 1;
  Trainer<double> trainer(config);
  trainer.run();
  save_model(dir / "m.json", trainer);
  const std::string text = read_file(dir / "m.json");

  auto fails_with = [&](const std::string& content, const std::string& message) {
    std::ofstream(dir / "bad.json") << content;
    REQUIRE_THROWS_WITH(load_model(dir / "bad.json"), Catch::Contains(message));
  };
  fails_with(text.substr(0, text.size() / 2), "invalid JSON");
  fails_with("// my model\n" + text, "bad.json:1:1: invalid JSON");
  fails_with("// my model\n" + text, "(JSON has no comments)");  // model files are written by nnlab: strict JSON
  fails_with(std::string(text).replace(text.rfind("\"version\":3"), 11, "\"version\":7"),
             "version: the file has format version 7, this nnlab reads versions 1 to 3");
  fails_with(std::string(text).replace(text.rfind("\"units\":6"), 9, "\"units\":5"),
             "layers[0].weight: must have 5 rows, found 6");
  fails_with("{\"weights\": []}", "not an nnlab model file");
  REQUIRE_THROWS_WITH(load_model(dir / "none.json"), Catch::Contains("cannot read model file"));

  // Early stopping's saved state is checked like the weights.
  Config stopping = spiral_config(dir, R"(, "early_stopping": {"patience": 5})");
  stopping.epochs = 2;
  Trainer<double> with_best(stopping);
  with_best.run();
  save_model(dir / "best.json", with_best);
  const std::string best = read_file(dir / "best.json");
  const auto at = best.find("\"best_epoch\":");
  REQUIRE(at != std::string::npos);
  fails_with(std::string(best).replace(at, 14, "\"best_epoch\":9"),
             "training.early_stopping.best_epoch: must be between 1 and training.epochs_done (2)");
  const auto bias = best.find("\"layers[1].bias\"", best.find("\"best_weights\""));
  fails_with(std::string(best).replace(bias, 16, "\"layers[1].bia\""),
             "training.early_stopping.best_weights: missing \"layers[1].bias\"");

  // A model whose architecture differs from the config cannot resume it.
  Config other = config;
  other.layers[0].units = 7;
  Trainer<double> mismatched(other);
  REQUIRE_THROWS_WITH(restore(mismatched, load_model(dir / "m.json"), dir / "m.json"),
                      Catch::Contains("layers[0] is 6 prelu units in the model but 7 prelu units in the config"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("every epoch shuffles its own order, from the seed and the epoch alone", "[shuffle]") {
  const auto dir = temp_dir("shuffle");
  Config config = spiral_config(dir);
  config.epochs = 2;
  config.dtype = DType::float64;
  Trainer<double> trainer(config);
  trainer.run();

  // The same two epochs by hand: epoch e takes its batches in the order of Rng(seed, shuffle, e).
  Trainer<double> by_hand(config);
  const Dataset& train = by_hand.data().train;
  std::vector<std::vector<std::size_t>> orders;
  Tensor<double> x, y;
  for (std::size_t epoch = 1; epoch <= 2; ++epoch) {
    std::vector<std::size_t> order(train.size());
    std::iota(order.begin(), order.end(), 0);
    Rng(config.seed, RandomStream::shuffle, epoch).shuffle(order);
    orders.push_back(order);
    for (std::size_t first = 0, b = 1; first < order.size(); first += config.batch_size, ++b) {
      const std::size_t count = std::min(config.batch_size, order.size() - first);
      train.gather(std::span<const std::size_t>(order.data() + first, count), x, y);
      by_hand.train_step(x, y, b);
    }
  }
  REQUIRE(orders[0] != orders[1]);  // otherwise this test could not tell "same order every epoch" apart
  REQUIRE(all_values(trainer.network()) == all_values(by_hand.network()));
  std::filesystem::remove_all(dir);
}

TEST_CASE("early stopping counts an epoch as better only when it beats the best by more than min_delta",
          "[early_stopping]") {
  const auto dir = temp_dir("min_delta");
  Config config = spiral_config(dir);
  config.epochs = 40;
  config.optimizer.learning_rate = 0.2;  // noisy: the validation loss goes up and down
  Recorder free_run;
  std::vector<TrainingObserver*> observers = {&free_run};
  Trainer<double>(config).run(observers);

  // Where the rule "validation loss < best − min_delta" stops, given the losses of the run without it.
  struct Stop {
    std::size_t best_epoch = 0, last_epoch = 0;
    bool operator==(const Stop&) const = default;
  };
  const std::size_t patience = 3;
  auto stop_of = [&](double signed_delta) {
    double best = INFINITY;
    Stop stop;
    for (const auto& report : free_run.reports) {
      stop.last_epoch = report.epoch;
      if (*report.validation_loss < best - signed_delta) best = *report.validation_loss, stop.best_epoch = report.epoch;
      if (report.epoch - stop.best_epoch >= patience) break;
    }
    return stop;
  };
  const double min_delta = 0.02;
  REQUIRE_FALSE(stop_of(min_delta) == stop_of(-min_delta));  // the losses tell the sign apart
  config.early_stopping = {.patience = patience, .min_delta = min_delta};
  Recorder stopped;
  observers = {&stopped};
  const RunSummary summary = Trainer<double>(config).run(observers);
  REQUIRE(summary.stopped_early);
  REQUIRE(Stop{summary.best_epoch, stopped.reports.back().epoch} == stop_of(min_delta));
  std::filesystem::remove_all(dir);
}

TEST_CASE("two trainers on two threads give what they give one after the other", "[threads][trainer]") {
  const auto dir = temp_dir("two_threads");
  Config first = spiral_config(dir), second = spiral_config(dir, R"(, "dtype": "float32")");
  first.epochs = second.epochs = 4;
  second.layers[0].units = 9;  // a different model, so the two runs share nothing but the process
  second.batch_size = 8;
  Trainer<double> a_alone(first);
  Trainer<float> b_alone(second);
  a_alone.run();
  b_alone.run();

  Trainer<double> a(first);
  Trainer<float> b(second);
  std::thread other([&] { b.run(); });
  a.run();
  other.join();
  REQUIRE(all_values(a.network()) == all_values(a_alone.network()));
  REQUIRE(all_values(b.network()) == all_values(b_alone.network()));
  std::filesystem::remove_all(dir);
}

namespace {

// The spiral with batch normalization in the hidden layer, noisy on purpose (learning rate 0.5) so the validation
// loss goes up and down and early stopping ends the run.
Config spiral_with_batch_norm(const std::filesystem::path& dir) {
  std::ofstream(dir / "spiral_bn.json") << R"({
    "data": {"train": {"generate": "spiral", "samples": 120, "noise": 0.1, "seed": 4, "classes": 3},
             "validation_fraction": 0.25, "normalize": "standard"},
    "model": {"layers": [{"units": 8, "activation": "relu", "batch_norm": true},
                         {"units": 3, "activation": "softmax"}], "init": "he"},
    "loss": "cross_entropy",
    "optimizer": {"learning_rate": 0.5, "momentum": 0.9, "batch_size": 16},
    "training": {"epochs": 200, "seed": 9, "early_stopping": {"patience": 3}}})";
  return load_config(dir / "spiral_bn.json");
}

std::vector<double> running_values(Network<double>& network) {
  std::vector<double> values;
  for (const Tensor<double>* t : network.running_statistics())
    for (double v : t->values()) values.push_back(v);
  return values;
}

}  // namespace

TEST_CASE("early stopping restores batch normalization's running statistics with the best epoch's weights",
          "[early_stopping][batch_norm]") {
  const auto dir = temp_dir("early_bn");
  Trainer<double> trainer(spiral_with_batch_norm(dir));
  struct RunningRecorder : TrainingObserver {
    Trainer<double>& trainer;
    std::vector<std::vector<double>> running;  // after each epoch
    std::vector<double> validation_losses;
    explicit RunningRecorder(Trainer<double>& t) : trainer(t) {}
    void on_epoch(const EpochReport& r) override {
      running.push_back(running_values(trainer.network()));
      validation_losses.push_back(*r.validation_loss);
    }
  } recorder(trainer);
  std::vector<TrainingObserver*> observers = {&recorder};
  const RunSummary summary = trainer.run(observers);
  REQUIRE(summary.stopped_early);
  const std::size_t best = summary.best_epoch;
  REQUIRE(recorder.running.size() == best + 3);
  REQUIRE(recorder.running[best - 1] != recorder.running.back());  // the statistics moved after the best epoch
  REQUIRE(running_values(trainer.network()) == recorder.running[best - 1]);
  // so the restored model is the best epoch's model: it gives the best validation loss again, bit for bit
  REQUIRE(trainer.evaluate(trainer.data().validation).loss == recorder.validation_losses[best - 1]);
  save_model(dir / "model.json", trainer);
  const SavedModel model = load_model(dir / "model.json");
  // the model's running statistics are the best epoch's, and so are the ones kept for --resume (best_running)
  for (const auto* tensors : {&model.running, &model.best_running}) {
    std::vector<double> saved;
    for (const SavedTensor& t : *tensors) saved.insert(saved.end(), t.values.begin(), t.values.end());
    REQUIRE(saved == recorder.running[best - 1]);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the tripwire's rollback to the last good epoch restores batch normalization's running statistics",
          "[batch_norm]") {
  const auto dir = temp_dir("last_good_bn");
  Config config = spiral_with_batch_norm(dir);
  config.epochs = 2;
  config.early_stopping.patience = 0;
  Trainer<double> trainer(config);
  trainer.run();
  const std::vector<double> weights = all_values(trainer.network()), running = running_values(trainer.network());
  // What a diverging third epoch leaves behind: numbers that are no longer the last good ones.
  for (Tensor<double>* t : trainer.network().running_statistics()) t->fill(INFINITY);
  for (auto* p : trainer.network().parameters()) p->value.fill(NAN);
  REQUIRE(trainer.restore_last_good());
  REQUIRE(all_values(trainer.network()) == weights);
  REQUIRE(running_values(trainer.network()) == running);
  std::filesystem::remove_all(dir);
}
