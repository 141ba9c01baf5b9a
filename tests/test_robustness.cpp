// Nothing a user trained is lost (interrupts, checkpoints), and bad input ends in one clear error.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "helpers.hpp"
#include "nnlab/csv.hpp"
#include "nnlab/idx.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/generate.hpp"
#include "nnlab/interrupt.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/report.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

Config small_config(const std::filesystem::path& dir) {
  std::ofstream(dir / "c.json") << R"({
    "data": {"train": {"generate": "spiral", "samples": 150, "noise": 0.1, "seed": 2, "classes": 3},
             "normalize": "standard"},
    "model": {"layers": [{"units": 12, "activation": "tanh"}, {"units": 3, "activation": "softmax"}], "init": "xavier"},
    "loss": "cross_entropy",
    "optimizer": {"learning_rate": 0.05, "momentum": 0.9, "batch_size": 16},
    "training": {"epochs": 5, "seed": 7}})";
  return load_config(dir / "c.json");
}

std::vector<double> weights(Network<double>& network) {
  std::vector<double> values;
  for (auto* p : network.parameters()) values.insert(values.end(), p->value.data(), p->value.data() + p->value.size());
  return values;
}

// Requests a stop, as Ctrl-C does, after a given batch of a given epoch; run(observers, stop.token()).
struct StopAt : TrainingObserver {
  std::size_t epoch = 1, batch = 0, at_epoch, at_batch;
  std::atomic<bool> flag{false};
  StopAt(std::size_t e, std::size_t b) : at_epoch(e), at_batch(b) {}
  StopToken token() const { return StopToken(flag); }
  void on_batch(std::size_t done, std::size_t) override {
    if (epoch == at_epoch && done == at_batch) flag = true;
  }
  void on_epoch(const EpochReport&) override { ++epoch; }
};

// A run long enough to be signalled in the middle (12 epochs of 4000 images, one thread), logging every epoch.
const std::string kSignalledRun = "train tests/configs/fashion_mnist_subset.json --epochs 12 --threads 1";

// A shell script that starts `nnlab ARGS` (which must log every epoch) in the background, waits until it has
// printed epoch 2, sends SIGNAL and writes the exit code to DIR/code; stdout and stderr go to DIR/out and DIR/err.
// Waiting for output rather than a fixed time keeps it right in a build ten times slower (the sanitizers).
// A non-interactive shell starts background jobs with SIGINT ignored, and nnlab leaves an ignored signal ignored:
// `env --default-signal` gives the run the defaults a terminal would. `then` runs after the signal (more signals).
std::string send_signal_script(const std::string& args, const std::filesystem::path& dir, const std::string& signal,
                               const std::string& dispositions = "--default-signal=INT,TERM,HUP",
                               const std::string& then = "") {
  const std::string out = "'" + (dir / "out").string() + "'";
  return "cd '" + source_dir().string() + "' && (env " + dispositions + " '" + NNLAB_EXE + "' " + args + " > " + out +
         " 2> '" + (dir / "err").string() + "' & pid=$!; while ! grep -qs '^epoch  2/' " + out +
         "; do sleep 0.02; done; kill -" + signal + " $pid; " + then + "wait $pid; echo $? > '" +
         (dir / "code").string() + "')";
}

// The line of `text` that starts with `start`.
std::string line_starting(const std::string& text, const std::string& start) {
  const auto at = text.find("\n" + start);
  if (at == std::string::npos) return "(no line starting with \"" + start + "\")";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

}  // namespace

TEST_CASE("a run interrupted mid-epoch, saved and resumed ends with the same weights", "[interrupt][resume]") {
  const auto dir = temp_dir("interrupt");
  const Config config = small_config(dir);
  Trainer<double> straight(config);
  straight.run();

  Trainer<double> interrupted(config);
  StopAt stop(3, 4);  // epoch 3, after its 4th of 10 batches
  std::vector<TrainingObserver*> observers = {&stop};
  const RunSummary summary = interrupted.run(observers, stop.token());
  REQUIRE(summary.interrupted);
  REQUIRE(interrupted.epochs_done() == 2);
  REQUIRE(interrupted.batches_done() == 4);
  save_model(dir / "checkpoint.json", interrupted);

  const SavedModel saved = load_model(dir / "checkpoint.json");
  REQUIRE(saved.batches_done == 4);
  Trainer<double> resumed(config, load_data(config, &saved.schema));
  restore(resumed, saved, dir / "checkpoint.json");
  REQUIRE_FALSE(resumed.run().interrupted);
  REQUIRE(weights(resumed.network()) == weights(straight.network()));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a stop requested before the first step trains nothing", "[interrupt]") {
  const auto dir = temp_dir("interrupt_early_stop");
  Trainer<double> trainer(small_config(dir));
  const std::vector<double> before = weights(trainer.network());
  const std::atomic<bool> stop{true};
  const RunSummary summary = trainer.run({}, StopToken(stop));
  REQUIRE(summary.interrupted);
  REQUIRE(trainer.epochs_done() == 0);
  REQUIRE(trainer.batches_done() == 0);
  REQUIRE(weights(trainer.network()) == before);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a resumed run says where it picks up, mid-epoch included", "[resume]") {
  std::ostringstream out;
  ConsoleReporter reporter(out, 1);
  RunInfo info;
  info.first_epoch = 3, info.first_batch = 5;
  reporter.on_start(info);
  REQUIRE_THAT(out.str(), Catch::EndsWith(", resuming at epoch 3 batch 5\n"));
  std::ostringstream fresh;
  ConsoleReporter(fresh, 1).on_start(RunInfo{});
  REQUIRE_THAT(fresh.str(), !Catch::Contains("resuming"));
}

TEST_CASE("an early-stopping run interrupted and resumed keeps its best epoch and patience", "[interrupt][resume]") {
  const auto dir = temp_dir("interrupt_early");
  Config config = small_config(dir);
  config.data.validation_fraction = 0.3;
  config.epochs = 200;
  config.optimizer.learning_rate = 0.3;  // noisy on purpose, so the validation loss goes up and down
  config.early_stopping.patience = 3;
  Trainer<double> straight(config);
  const RunSummary expected = straight.run();
  REQUIRE(expected.stopped_early);
  REQUIRE(expected.best_epoch > 1);

  // Stop after the first improvement is a few epochs old, so the patience count is already running.
  Trainer<double> interrupted(config);
  StopAt stop(expected.best_epoch + 2, 3);
  std::vector<TrainingObserver*> observers = {&stop};
  REQUIRE(interrupted.run(observers, stop.token()).interrupted);
  save_model(dir / "checkpoint.json", interrupted);

  const SavedModel saved = load_model(dir / "checkpoint.json");
  REQUIRE(saved.best_epoch == expected.best_epoch);
  Trainer<double> resumed(config, load_data(config, &saved.schema));
  restore(resumed, saved, dir / "checkpoint.json");
  const RunSummary summary = resumed.run();
  REQUIRE(summary.stopped_early);
  REQUIRE(summary.best_epoch == expected.best_epoch);
  REQUIRE(resumed.epochs_done() == straight.epochs_done());
  REQUIRE(weights(resumed.network()) == weights(straight.network()));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a resumed run's metrics file keeps the earlier epochs when its columns match", "[resume][metrics]") {
  const auto dir = temp_dir("metrics_resume");
  const auto path = dir / "m.csv";
  const std::string header =
      "epoch,loss,data_loss,penalty,validation_loss,train_accuracy,validation_accuracy,learning_rate,seconds,"
      "samples_per_second\n";
  std::string rows;
  for (int epoch = 1; epoch <= 6; ++epoch) rows += std::to_string(epoch) + ",1,1,0,,,,0.1,0,0\n";
  EpochReport report;
  report.epoch = 5;

  // Checkpoint after epoch 4, metrics written up to epoch 6 (the crash came later): keep 1-4, then the new 5.
  std::ofstream(path) << header << rows;
  {
    MetricsCsvWriter writer(path, 5);
    writer.on_start(RunInfo{});
    writer.on_epoch(report);
  }
  const std::string kept = read_file(path);
  REQUIRE(kept.starts_with(header + rows.substr(0, rows.find("5,"))));
  REQUIRE(std::count(kept.begin(), kept.end(), '\n') == 6);

  // Other columns (diagnostics switched on): a fresh file.
  std::ofstream(path) << header << rows;
  {
    MetricsCsvWriter writer(path, 5);
    RunInfo info;
    info.diagnostics = true, info.layers = 1;
    writer.on_start(info);
  }
  const std::string fresh = read_file(path);
  REQUIRE_THAT(fresh, Catch::StartsWith("epoch,") && Catch::Contains("layer0_dead"));
  REQUIRE(std::count(fresh.begin(), fresh.end(), '\n') == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a model that cannot be saved where asked is saved to the temporary folder instead", "[checkpoint]") {
  const auto dir = temp_dir("rescue");
  Trainer<double> trainer(small_config(dir));
  trainer.run();
  const SaveOutcome here = save_model_or_rescue(dir / "m.json", trainer);
  REQUIRE(here.path == dir / "m.json");
  REQUIRE(here.failure.empty());

  // The folder is gone by the time training ends. The "system's temporary folder" is one of this test's own
  // (TMPDIR), so that runs of the suite side by side do not share the rescued file.
  const auto gone = dir / "gone" / "m.json";
  std::filesystem::create_directory(dir / "tmp");
  const char* tmpdir = std::getenv("TMPDIR");
  const std::optional<std::string> before = tmpdir ? std::optional<std::string>(tmpdir) : std::nullopt;
  ::setenv("TMPDIR", (dir / "tmp").c_str(), 1);
  const SaveOutcome rescued = save_model_or_rescue(gone, trainer);
  if (before)
    ::setenv("TMPDIR", before->c_str(), 1);
  else
    ::unsetenv("TMPDIR");
  REQUIRE(rescued.path == dir / "tmp" / "nnlab-rescued-m.json");
  REQUIRE(rescued.failure == "cannot write model file " + gone.string() + ": folder " +
                                 gone.parent_path().string() + " does not exist");
  Trainer<double> reloaded(small_config(dir));
  restore(reloaded, load_model(rescued.path), rescued.path);
  REQUIRE(weights(reloaded.network()) == weights(trainer.network()));
  std::filesystem::remove(rescued.path);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a failure mid-run that is not the numbers' fault keeps the model so far", "[checkpoint][cli]") {
  const auto dir = temp_dir("disk_full");
  const std::string model = (dir / "m.json").string(), metrics = (dir / "m.csv").string();
  // A file size limit of 4 KiB (ulimit -f, with SIGXFSZ ignored so the write fails instead of killing) lets the
  // metrics file fill up after some 30 epochs, as a disk does during a long run; the model file (1 KiB) still fits.
  const auto result = run_nnlab("train configs/linear_fit.json --epochs 200 --quiet --metrics '" + metrics +
                                    "' --save '" + model + "'",
                                "ulimit -f 4; env --ignore-signal=XFSZ '" + std::string(NNLAB_EXE) + "'");
  REQUIRE(result.exit_code == 1);
  REQUIRE_THAT(result.err, Catch::StartsWith("error: writing metrics file " + metrics + ": File too large; saved the "
                                             "model so far to " + model + "; continue with: "));
  REQUIRE(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  const std::size_t epochs = load_model(model).epochs_done;
  REQUIRE(epochs > 1);
  REQUIRE(epochs < 200);

  // /dev/full refuses even the header: the run stops before training, with nothing to save and no model file.
  const auto full = run_nnlab("train configs/xor.json --quiet --metrics /dev/full --save '" + model + ".2'");
  REQUIRE(full.exit_code == 1);
  REQUIRE(full.err == "error: writing metrics file /dev/full: No space left on device\n");
  REQUIRE_FALSE(std::filesystem::exists(model + ".2"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("checkpoints are written every N epochs, atomically", "[checkpoint]") {
  const auto dir = temp_dir("checkpoint");
  Config config = small_config(dir);
  Trainer<double> trainer(config);
  CheckpointWriter<double> checkpoints(trainer, dir / "m.json", 2);
  struct Reader : TrainingObserver {  // after each epoch, what the checkpoint file holds
    std::filesystem::path path;
    std::vector<std::size_t> seen;
    void on_epoch(const EpochReport&) override {
      seen.push_back(std::filesystem::exists(path) ? load_model(path).epochs_done : 0);
    }
  } reader;
  reader.path = dir / "m.json";
  std::vector<TrainingObserver*> observers = {&checkpoints, &reader};
  trainer.run(observers);
  REQUIRE(reader.seen == std::vector<std::size_t>{0, 2, 2, 4, 4});  // none after the last epoch: the run saves it
  REQUIRE_FALSE(std::filesystem::exists(dir / "m.json.tmp"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("Ctrl-C finishes the batch, saves a checkpoint, exits 130, and --resume completes the run",
          "[interrupt][cli]") {
  const auto dir = temp_dir("sigint");
  const std::string model = (dir / "m.json").string();
  const std::string run = kSignalledRun;
  REQUIRE(std::system(send_signal_script(run + " --save '" + model + "'", dir, "INT").c_str()) == 0);
  const int code = std::stoi(read_file(dir / "code"));
  const std::string err = read_file(dir / "err");
  REQUIRE(code == 130);
  REQUIRE_THAT(err, Catch::Contains("interrupted ") && Catch::Contains("saved a checkpoint to " + model));
  const SavedModel checkpoint = load_model(model);
  REQUIRE(checkpoint.epochs_done >= 2);
  REQUIRE(checkpoint.epochs_done < 12);

  // The command it prints is the user's own, every flag kept, plus --resume; run exactly that.
  const std::string lead = "continue with:\n  " + std::string(NNLAB_EXE) + " ";
  REQUIRE_THAT(err, Catch::Contains(lead));
  std::string printed = err.substr(err.find(lead) + lead.size());
  printed = printed.substr(0, printed.find('\n'));
  REQUIRE(printed == run + " --save " + model + " --resume " + model);
  const auto resumed = run_nnlab(printed);
  const auto straight = run_nnlab(run);
  REQUIRE(resumed.exit_code == 0);
  REQUIRE_THAT(resumed.out, Catch::Contains("resuming at epoch") && Catch::Contains("\nfinal loss "));
  REQUIRE(line_starting(resumed.out, "final loss") == line_starting(straight.out, "final loss"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("SIGTERM and SIGHUP (a closed terminal) stop and save as Ctrl-C does", "[interrupt][cli]") {
  for (const std::string signal : {"TERM", "HUP"}) {
    CAPTURE(signal);
    // Each signal in its own folder: with one shared folder the second run's watcher could read the first run's
    // "epoch 2" line before the shell truncated the file, and signal the new run before its handlers were in place.
    const auto dir = temp_dir("sig" + signal);
    const std::string model = (dir / "m.json").string();
    REQUIRE(std::system(send_signal_script(kSignalledRun + " --save '" + model + "'", dir, signal).c_str()) == 0);
    REQUIRE(std::stoi(read_file(dir / "code")) == 130);
    REQUIRE_THAT(read_file(dir / "err"), Catch::Contains("saved a checkpoint to " + model));
    REQUIRE(load_model(model).epochs_done < 12);
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("a reader that stops early (| head) does not end the run before it saves", "[interrupt][cli]") {
  const auto dir = temp_dir("pipe");
  const auto model = dir / "m.json";
  // The reader closes its end at once, so every line nnlab prints goes into a pipe nobody reads.
  const std::string script = "cd '" + source_dir().string() + "' && '" + NNLAB_EXE +
                             "' train configs/spiral.json --epochs 30 --log-every 1 --save '" + model.string() +
                             "' | (exec 0<&-; sleep 1)";
  REQUIRE(std::system(script.c_str()) == 0);
  REQUIRE(load_model(model).epochs_done == 30);
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad input of every kind ends in one error line with exit code 2", "[errors][cli]") {
  const auto dir = temp_dir("bad_input");
  const auto path = [&](const std::string& name) { return "'" + (dir / name).string() + "'"; };
  std::ofstream(dir / "empty.csv") << "";
  std::ofstream(dir / "train.csv") << "a,b,y\n1,2,0\n3,4,1\n5,6,0\n";
  std::ofstream(dir / "test.csv") << "a,y\n1,0\n";
  std::ofstream(dir / "ragged.csv") << "a,b,y\n1,2,0\n3,4\n";
  std::ofstream(dir / "one_class.csv") << "a,y\n1,cat\n2,cat\n";
  std::ofstream(dir / "other_classes.csv") << "a,b,y\n1,2,7\n";
  std::ofstream(dir / "old_model.json") << R"({"format": "nnlab-model", "version": 0})";
  {  // a real model, then the same cut in half and with a layer whose shape disagrees with its units
    REQUIRE(run_nnlab("train configs/xor.json --epochs 1 --quiet --save " + path("good.json")).exit_code == 0);
    const std::string text = read_file(dir / "good.json");
    std::ofstream(dir / "cut_model.json") << text.substr(0, text.size() / 2);
    std::string reshaped = text;
    reshaped.replace(reshaped.rfind("\"units\":8"), 9, "\"units\":7");
    std::ofstream(dir / "reshaped_model.json") << reshaped;
  }
  std::ofstream(dir / "images.idx", std::ios::binary) << std::string("\0\0\x08\x03\0\0\0\x02\0\0\0\x01\0\0\0\x01\x05\x06", 18);
  std::ofstream(dir / "labels.idx", std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x03\x00\x01\x00", 11);
  std::ofstream(dir / "truncated.idx", std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x09\x01\x02", 10);
  auto config = [&](const std::string& name, const std::string& data, const std::string& extra = "") {
    std::ofstream(dir / name) << R"({"data": )" + data + R"(, "model": {"layers": [{"units": 2, "activation": "softmax"}]},
        "loss": "cross_entropy")" + extra + "}";
    return path(name);
  };
  std::ofstream(dir / "words.csv") << "a,b,y\n1,2,0\nthree,4,1\n";
  std::ofstream(dir / "two_headers.csv") << "a,b,y\n1,2,0\na,b,y\n3,4,1\n";
  // A valid config over train.csv with one piece replaced, for the wrong names and values.
  auto variant = [&](const std::string& name, const std::string& from, const std::string& to) {
    std::string text = R"({"data": {"train": "train.csv", "target": "y"},
        "model": {"layers": [{"units": 3, "activation": "relu"}, {"units": 2, "activation": "softmax"}]},
        "loss": "cross_entropy", "optimizer": {"learning_rate": 0.1, "momentum": 0.9},
        "regularization": {"l2": 0.001}, "training": {"epochs": 10}})";
    REQUIRE(text.find(from) != std::string::npos);
    std::ofstream(dir / name) << text.replace(text.find(from), from.size(), to);
    return path(name);
  };
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"train " + dir.string(), "is a folder, not a config file"},
      {"train " + variant("loss_name.json", "\"cross_entropy\"", "\"crossentropy\""),
       "loss: unknown loss \"crossentropy\" (did you mean \"cross_entropy\"?)"},
      {"train " + variant("activation.json", "\"relu\"", "\"rleu\""),
       "model.layers[0].activation: unknown activation \"rleu\" (did you mean \"relu\"?)"},
      {"train " + variant("units.json", "\"units\": 3", "\"units\": 0"),
       "model.layers[0].units: must be a whole number from 1 to 1000000, got 0"},
      {"train " + variant("negative.json", "\"units\": 3", "\"units\": -3"),
       "model.layers[0].units: must be a whole number from 1 to 1000000, got -3"},
      {"train " + variant("epochs.json", "\"epochs\": 10", "\"epochs\": 0"),
       "training.epochs: must be a whole number from 1 to 1000000000, got 0"},
      {"train " + variant("absurd.json", "\"epochs\": 10", "\"epochs\": 1e15"),
       "training.epochs: must be a whole number from 1 to 1000000000, got 1e+15"},
      {"train " + variant("rate.json", "0.1", "\"fast\""), "optimizer.learning_rate: must be a number, got a string"},
      {"train " + variant("momentum.json", "0.9", "1.5"), "optimizer.momentum: must be at least 0 and below 1, got 1.5"},
      {"train " + variant("l2.json", "0.001", "-1"), "regularization.l2: must be a number of at least 0, got -1"},
      {"train " + variant("nan.json", "0.1", "NaN"), "invalid JSON"},
      {"train " + config("cells.json", R"({"train": "words.csv", "target": "y"})"),
       "words.csv:3:1: column \"a\": \"three\" is not a finite number"},
      {"train " + config("header.json", R"({"train": "two_headers.csv", "target": "y"})"),
       "two_headers.csv:3:1: column \"a\": \"a\" is not a finite number"},
      {"train " + config("target.json", R"({"train": "train.csv", "target": "label"})"),
       "data.target: no column \"label\" in"},
      {"train configs/xor.json --lr nan", "--lr: must be a finite number, got \"nan\""},
      {"train configs/xor.json --epochs 5 --epochs 6", "--epochs is given 2 times; give it once"},
      {"explain configs/xor.json --batch 1 --batch 2 --batch 3", "--batch is given 3 times; give it once"},
      {"plot loss no_such_metrics.csv", "cannot read metrics file no_such_metrics.csv: no such file"},
      {"train configs/xor.json --checkpoint-every 2", "--checkpoint-every: checkpoints are written to the --save file"},
      {"train " + config("empty.json", R"({"train": "empty.csv", "target": "y"})"), "empty.csv: the file is empty"},
      {"train " + config("ragged.json", R"({"train": "ragged.csv", "target": "y"})"),
       "ragged.csv:3: expected 3 cells as in the header, found 2"},
      {"train " + config("columns.json", R"({"train": "train.csv", "test": "test.csv", "target": "y"})"),
       "no column \"b\" in"},
      {"train " + config("idx.json", R"({"train": {"images": "truncated.idx", "labels": "truncated.idx"}})"),
       "truncated.idx: byte 10: file is truncated"},
      {"eval configs/xor.json --model " + path("none.json"), "cannot read model file"},
      {"eval configs/xor.json --model " + path("old_model.json"), "format version 0, this nnlab reads versions 1 to 3"},
      {"eval configs/xor.json --model " + path("cut_model.json"), "cut_model.json:4:"},
      {"predict --model " + path("reshaped_model.json") + " --input data/linear.csv",
       "layers[0].weight: must have 7 rows, found 8"},
      {"train " + config("counts.json", R"({"train": {"images": "images.idx", "labels": "labels.idx"}})"),
       "has 2 images but"},
      {"train " + config("json.json", R"({"train": "train.csv", "target": "y",})"), "invalid JSON"},
      {"train " + config("key.json", R"({"train": "train.csv", "traget": "y"})"), "did you mean \"target\"?"},
      {"train " + config("type.json", R"({"train": 5, "target": "y"})"), "data.train: must be a CSV file name or an object"},
      {"train " + config("one.json", R"({"train": "one_class.csv", "target": "y"})"), "only one class (\"cat\")"},
      {"train " + config("classes.json", R"({"train": "train.csv", "test": "other_classes.csv", "target": "y"})"),
       "class \"7\" does not appear in the training data"},
      {"train " + config("loss.json", R"({"train": "train.csv", "target": "y"})") + " --output-activation relu",
       "needs the last layer's activation to be \"softmax\""},
      {"train " + config("schedule.json", R"({"train": "train.csv", "target": "y"})",
                         R"(, "optimizer": {"schedule": "cosin"})"),
       "unknown schedule \"cosin\" (did you mean \"cosine\"?)"},
      {"train " + config("batch.json", R"({"train": "train.csv", "target": "y"})") + " --batch-size 10",
       "batch size 10"},
      {"train configs/xor.json --save /nonexistent/folder/m.json", "folder /nonexistent/folder does not exist"},
      {"train configs/xor.json --plot /nonexistent/folder/p.svg",
       "cannot write plot file /nonexistent/folder/p.svg: folder /nonexistent/folder does not exist"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const auto result = run_nnlab(c.args);
    REQUIRE(result.exit_code == 2);
    REQUIRE_THAT(result.err, Catch::StartsWith("error: ") && Catch::Contains(c.message));
    REQUIRE(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  }
  std::ofstream(dir / "huge_model.json") << R"({"data": {"train": {"generate": "xor"}}, "model": {"layers": [
      {"units": 900000, "activation": "relu"}, {"units": 900000, "activation": "relu"},
      {"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy"})";
  const auto huge = run_nnlab("train " + path("huge_model.json"));
  REQUIRE(huge.exit_code == 2);
  REQUIRE_THAT(huge.err, Catch::Contains("model.layers: this model needs about") &&
                             Catch::Contains("GB this machine has"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("files the user may not read or write are named with the system's reason, exit 2", "[errors][cli]") {
  // Root reads and writes everything, so as root a copy of the program (in a folder anyone may enter) runs as user
  // nobody (setpriv, from util-linux).
  namespace fs = std::filesystem;
  const auto dir = temp_dir("permissions");
  fs::permissions(dir, fs::perms::all);
  std::string runner;
  if (::getuid() == 0) {
    fs::copy_file(NNLAB_EXE, dir / "nnlab");
    runner = "setpriv --reuid=65534 --regid=65534 --clear-groups '" + (dir / "nnlab").string() + "'";
    REQUIRE(run_nnlab("--version", runner).exit_code == 0);
  }
  const auto path = [&](const std::string& name) { return "'" + (dir / name).string() + "'"; };
  std::ofstream(dir / "data.csv") << "a,y\n1,0\n2,1\n3,0\n4,1\n";
  std::ofstream(dir / "locked.csv") << "a,y\n1,0\n2,1\n";
  std::ofstream(dir / "locked.json") << "{}";
  std::ofstream(dir / "locked.idx") << "";
  for (const char* name : {"locked.csv", "locked.json", "locked.idx"}) fs::permissions(dir / name, fs::perms::none);
  fs::create_directory(dir / "read_only");
  fs::permissions(dir / "read_only", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                          fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  auto config = [&](const std::string& name, const std::string& data) {
    std::ofstream(dir / name) << R"({"data": )" + data + R"(, "model": {"layers": [{"units": 2,
        "activation": "softmax"}]}, "loss": "cross_entropy", "training": {"epochs": 2}})";
    return path(name);
  };
  const std::string good = config("good.json", R"({"train": "data.csv", "target": "y"})");
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"train " + path("locked.json"), "cannot read config file " + (dir / "locked.json").string() +
                                           ": permission denied"},
      {"train " + config("csv.json", R"({"train": "locked.csv", "target": "y"})"),
       "cannot read data file " + (dir / "locked.csv").string() + ": permission denied"},
      {"train " + config("idx.json", R"({"train": {"images": "locked.idx", "labels": "locked.idx"}})"),
       "cannot read IDX file " + (dir / "locked.idx").string() + ": permission denied"},
      {"eval " + good + " --model " + path("locked.json"),
       "cannot read model file " + (dir / "locked.json").string() + ": permission denied"},
      {"train " + good + " --save " + path("read_only/m.json"),
       "cannot write model file " + (dir / "read_only/m.json").string() + ": permission denied"},
      {"train " + good + " --metrics " + path("read_only/m.csv"),
       "cannot write metrics file " + (dir / "read_only/m.csv").string() + ": permission denied"},
      {"train " + good + " --plot " + path("read_only/p.svg"),
       "cannot write plot file " + (dir / "read_only/p.svg").string() + ": permission denied"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const auto result = run_nnlab(c.args, runner);
    REQUIRE(result.exit_code == 2);
    REQUIRE(result.err == "error: " + c.message + "\n");
  }
  REQUIRE(run_nnlab("train " + good + " --quiet", runner).exit_code == 0);  // the setup itself is usable
  fs::permissions(dir / "read_only", fs::perms::all);
  fs::remove_all(dir);
}

// ---- Class 1 of issue 10: nothing crashes -------------------------------------------------------------------------

namespace {

// A one-line error: exit 2, and exactly one line on stderr that starts with "error: " and contains `message`.
void require_one_error(const CliResult& result, const std::string& message, int exit_code = 2) {
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == exit_code);
  REQUIRE_THAT(result.err, Catch::StartsWith("error: ") && Catch::Contains(message));
  REQUIRE(std::count(result.err.begin(), result.err.end(), '\n') == 1);
}

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace

TEST_CASE("a classification loss on generated regression data is a config error everywhere, not a crash",
          "[errors][cli][crash]") {
  const auto dir = temp_dir("plane_loss");
  std::ofstream(dir / "plane.json") << R"({"data": {"train": {"generate": "plane", "samples": 50}},
    "model": {"layers": [{"units": 1, "activation": "linear"}]}, "loss": "mse", "training": {"epochs": 2}})";
  REQUIRE(run_nnlab("train " + quoted(dir / "plane.json") + " -q --save " + quoted(dir / "m.json")).exit_code == 0);
  const std::string saved = read_file(dir / "m.json");
  const std::vector<std::pair<std::string, std::string>> heads = {
      {"cross_entropy", R"({"units": 2, "activation": "softmax"})"},
      {"binary_cross_entropy", R"({"units": 1, "activation": "sigmoid"})"}};
  for (const auto& [loss, layer] : heads) {
    std::ofstream(dir / "c.json") << R"({"data": {"train": {"generate": "plane", "samples": 50}},
      "model": {"layers": [)" + layer + R"(]}, "loss": ")" + loss + R"(", "training": {"epochs": 2}})";
    const std::string config = quoted(dir / "c.json");
    for (const std::string& command : {"train " + config, "gradcheck " + config, "explain " + config,
                                      "train " + config + " --resume " + quoted(dir / "m.json")}) {
      CAPTURE(command);
      require_one_error(run_nnlab(command), "data.train.generate: \"plane\" makes numbers to fit (regression data), "
                                            "but loss \"" + loss + "\" needs classes");
    }
  }
  REQUIRE(read_file(dir / "m.json") == saved);  // the model to resume is untouched
  std::filesystem::remove_all(dir);
}

TEST_CASE("a model file whose fields disagree is refused with the JSON path, by predict and eval alike",
          "[errors][cli][crash][model]") {
  const auto dir = temp_dir("model_fields");
  REQUIRE(run_nnlab("train configs/xor.json --epochs 1 -q --save " + quoted(dir / "good.json")).exit_code == 0);
  const nlohmann::json good = nlohmann::json::parse(read_file(dir / "good.json"));
  std::ofstream(dir / "in.csv") << "x1,x2\n0.5,0.5\n-1,2\n";
  struct Case {
    std::string name, pointer;
    nlohmann::json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"few_classes", "/data/class_names", {"0"}, "data.class_names: loss cross_entropy with 2 output units needs 2 "
                                                  "class names, found 1"},
      {"many_classes", "/data/class_names", {"0", "1", "2"},
       "data.class_names: loss cross_entropy with 2 output units needs 2 class names, found 3"},
      {"mse_on_softmax", "/loss", "mse", "layers[1].units: mse fits the one target column with 1 output unit, found 2"},
      {"bce_on_softmax", "/loss", "binary_cross_entropy",
       "layers[1].activation: loss \"binary_cross_entropy\" needs the last layer's activation to be \"sigmoid\""},
      {"normalization_kind", "/data/normalization/kind", "zscore",
       "data.normalization.kind: unknown normalization \"zscore\""},
      {"normalization_size", "/data/normalization/scale", {1.0},
       "data.normalization.scale: needs one value per input (2), found 1"},
      {"normalization_none", "/data/normalization/kind", "none",
       "data.normalization.shift: must be empty for kind \"none\""},
      {"float32_range", "/layers/0/weight/1/0", 1e300, "layers[0].weight[1][0]: 1e+300 is out of range for float32"},
      {"repeated_class", "/data/class_names", {"a", "a"}, "data.class_names[1]: \"a\" appears twice"},
      {"no_inputs", "/inputs", 0, "inputs: must be at least 1"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    nlohmann::json edited = good;
    edited[nlohmann::json::json_pointer(c.pointer)] = c.value;
    const auto model = dir / (c.name + ".json");
    std::ofstream(model) << edited.dump();
    const auto out = dir / (c.name + ".csv");
    require_one_error(run_nnlab("predict --model " + quoted(model) + " --input " + quoted(dir / "in.csv") +
                                " --output " + quoted(out)),
                      model.string() + ": " + c.message);
    REQUIRE_FALSE(std::filesystem::exists(out));
    require_one_error(run_nnlab("eval configs/xor.json --model " + quoted(model)), model.string() + ": " + c.message);
  }
  // The untouched file is usable: the cases above fail for the edit, not for the setup.
  REQUIRE(run_nnlab("predict --model " + quoted(dir / "good.json") + " --input " + quoted(dir / "in.csv")).exit_code ==
          0);
  std::filesystem::remove_all(dir);
}

// ---- Class 2 of issue 10: outputs that destroy inputs or each other ---------------------------------------------

namespace {

// Every file in a folder (not recursive) with its content, to compare the file system before and after a command.
std::map<std::string, std::string> folder_state(const std::filesystem::path& dir) {
  std::map<std::string, std::string> state;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    state[entry.path().filename().string()] =
        entry.is_symlink() ? "-> " + std::filesystem::read_symlink(entry.path()).string() : read_file(entry.path());
  return state;
}

}  // namespace

TEST_CASE("an output that is another output or an input is refused before anything is written", "[outputs][cli]") {
  namespace fs = std::filesystem;
  const auto dir = temp_dir("same_file");
  const auto at = [&](const std::string& name) { return quoted(dir / name); };
  std::ofstream(dir / "train.csv") << "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n";
  std::ofstream(dir / "c.json") << R"({"data": {"train": "train.csv", "target": "y"},
    "model": {"layers": [{"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy", "training": {"epochs": 2}})";
  REQUIRE(run_nnlab("train " + at("c.json") + " -q --save " + at("m.json")).exit_code == 0);
  std::ofstream(dir / "in.csv") << "a,b\n1,2\n";
  std::ofstream(dir / "plot.svg") << "an old plot";
  fs::create_symlink(dir / "c.json", dir / "config_link.json");
  fs::copy_file(dir / "c.json", dir / "run_init.json");  // a config whose name export's run.py would write
  fs::create_hard_link(dir / "in.csv", dir / "in_again.csv");
  const auto before = folder_state(dir);
  struct Case {
    std::string args, message;
  };
  const std::string train = "train " + at("c.json") + " -q";
  const std::vector<Case> cases = {
      {train + " --plot " + at("m.json") + " --save " + at("m.json"),
       "--save and --plot name the same file (" + (dir / "m.json").string() + ")"},
      {train + " --metrics " + at("plot.svg") + " --plot " + at("plot.svg"), "--metrics and --plot name the same file"},
      {train + " --save " + at("new.json") + " --plot " + quoted(dir / "." / "new.json"),
       "--save and --plot name the same file"},  // neither exists yet: the same folder and name
      {train + " --metrics " + at("c.json"), "--metrics " + (dir / "c.json").string() + " is the config file"},
      {train + " --plot " + at("config_link.json"), "--plot " + (dir / "config_link.json").string() +
                                                         " is the config file"},  // a symlink to it
      {train + " --save " + at("train.csv"), "--save " + (dir / "train.csv").string() + " is the data.train file"},
      {train + " --resume " + at("m.json") + " --metrics " + at("m.json"), "is the --resume file"},
      {"predict --model " + at("m.json") + " --input " + at("in.csv") + " --output " + at("m.json"),
       "--output " + (dir / "m.json").string() + " is the --model file"},
      {"predict --model " + at("m.json") + " --input " + at("in.csv") + " --output " + at("in_again.csv"),
       "is the --input file"},  // a hard link: the same inode under another name
      {"compare " + at("c.json") + " --activations relu --csv " + at("plot.svg") + " --plot " + at("plot.svg"),
       "--csv and --plot name the same file"},
      {"plot loss " + at("plot.svg") + " --output " + at("plot.svg"), "--output " + (dir / "plot.svg").string() +
                                                                          " is the metrics file"},
      // export writes a script, and beside it the initial weights (SCRIPT_init.json): over no input either.
      {"export " + at("c.json") + " --to pytorch -o " + at("c.json"), "--output " + (dir / "c.json").string() +
                                                                          " is the config file"},
      {"export " + at("c.json") + " --to pytorch -o " + at("train.csv"), "is the data.train file"},
      {"export " + at("c.json") + " --to pytorch --model " + at("m.json") + " -o " + at("m.json"),
       "is the --model file"},
      {"export --to pytorch --model " + at("m.json") + " -o " + at("m.json"), "is the --model file"},
      {"export " + at("run_init.json") + " --to pytorch -o " + at("run.py"),
       "the initial weights beside --output, " + (dir / "run_init.json").string() + " is the config file"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    require_one_error(run_nnlab(c.args), c.message);
    REQUIRE(folder_state(dir) == before);  // nothing written, nothing emptied, nothing created
  }
  // Resuming from the file it saves to is the one overlap allowed: the model is read whole before it is replaced.
  REQUIRE(run_nnlab(train + " --epochs 3 --resume " + at("m.json") + " --save " + at("m.json")).exit_code == 0);
  REQUIRE(load_model(dir / "m.json").epochs_done == 3);
  fs::remove_all(dir);
}

TEST_CASE("a model is never saved over a device, a FIFO or a folder", "[outputs][cli]") {
  namespace fs = std::filesystem;
  const auto dir = temp_dir("special_save");
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  fs::create_directory(dir / "folder");
  // As root a regression would replace the device node itself, so root tests on a null device of its own (never
  // the machine's /dev/null, which other processes use); anyone else cannot replace /dev/null and tests on it.
  const bool root = ::getuid() == 0;
  const fs::path null_device = root ? dir / "null" : fs::path("/dev/null");
  if (root) REQUIRE(::mknod(null_device.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  const std::string train = "train configs/xor.json -q --epochs 1 --save ";
  require_one_error(run_nnlab(train + quoted(null_device)), "cannot write model file " + null_device.string() +
                                                                ": it is a character device, not a regular file");
  require_one_error(run_nnlab(train + quoted(dir / "fifo")), "it is a FIFO (named pipe), not a regular file");
  require_one_error(run_nnlab(train + quoted(dir / "folder")), "it is a folder");
  REQUIRE(fs::is_character_file(null_device));
  REQUIRE(fs::is_fifo(dir / "fifo"));
  REQUIRE(fs::is_empty(dir / "folder"));
  // Text outputs may go into a device: predictions to /dev/stdout.
  REQUIRE(run_nnlab("train configs/xor.json -q --epochs 1 --save " + quoted(dir / "m.json")).exit_code == 0);
  std::ofstream(dir / "in.csv") << "x1,x2\n0,1\n";
  const auto shown =
      run_nnlab("predict --model " + quoted(dir / "m.json") + " --input " + quoted(dir / "in.csv") + " --output /dev/stdout");
  REQUIRE(shown.exit_code == 0);
  REQUIRE_THAT(shown.out, Catch::StartsWith("predicted,p_0,p_1\n"));
  fs::remove_all(dir);
}

TEST_CASE("saving never touches a user's X.tmp, and leaves no temporary file behind", "[outputs][cli]") {
  const auto dir = temp_dir("tmp_name");
  std::ofstream(dir / "m.json.tmp") << "my own notes";
  std::ofstream(dir / "plot.svg.tmp") << "more notes";
  REQUIRE(run_nnlab("train configs/xor.json -q --epochs 2 --checkpoint-every 1 --save " + quoted(dir / "m.json") +
                    " --plot " + quoted(dir / "plot.svg"))
              .exit_code == 0);
  REQUIRE(read_file(dir / "m.json.tmp") == "my own notes");
  REQUIRE(read_file(dir / "plot.svg.tmp") == "more notes");
  REQUIRE(load_model(dir / "m.json").epochs_done == 2);
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.insert(entry.path().filename().string());
  REQUIRE(names == std::set<std::string>{"m.json", "m.json.tmp", "plot.svg", "plot.svg.tmp"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("two runs saving to one path end with one complete model, and the later one says it replaced the other's",
          "[outputs][cli]") {
  const auto dir = temp_dir("concurrent_save");
  const std::string model = (dir / "m.json").string();
  // At the same time: each writes its own temporary file and renames it, so the last rename wins whole.
  const std::string run = "'" + std::string(NNLAB_EXE) + "' train configs/spiral.json -q --epochs 20 --save '" + model;
  const std::string both = "cd '" + source_dir().string() + "' && (" + run + "' --seed 1 > '" +
                           (dir / "a").string() + "' & " + run + "' --seed 2 > '" + (dir / "b").string() +
                           "' & wait)";
  REQUIRE(std::system(both.c_str()) == 0);
  const SavedModel saved = load_model(model);
  REQUIRE(saved.epochs_done == 20);
  REQUIRE_THAT(saved.config_json, Catch::Contains("\"seed\": 1") || Catch::Contains("\"seed\": 2"));
  REQUIRE(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 3);

  // Another process writes the file while a run is training: the run's last message says so.
  const auto other = dir / "other.json";
  std::filesystem::copy_file(model, other);
  const std::string script = send_signal_script(
      kSignalledRun + " --save '" + model + "'", dir, "CONT", "--default-signal=INT,TERM,HUP",
      "cp '" + other.string() + "' '" + model + ".new' && mv '" + model + ".new' '" + model + "'; ");
  REQUIRE(std::system(script.c_str()) == 0);
  REQUIRE(read_file(dir / "code") == "0\n");
  REQUIRE_THAT(read_file(dir / "out"),
               Catch::Contains("saved the model to " + model + " (over a file another process wrote there during "
                                                               "this run)"));
  REQUIRE(load_model(model).epochs_done == 12);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a run that fails before training leaves an existing plot and metrics file as they were",
          "[outputs][cli]") {
  const auto dir = temp_dir("keep_outputs");
  std::ofstream(dir / "plot.svg") << "an old plot";
  std::ofstream(dir / "m.csv") << "epoch,loss\n1,0.5\n";
  std::ofstream(dir / "c.json") << R"({"data": {"train": "missing.csv", "target": "y"},
    "model": {"layers": [{"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy"})";
  const auto before = folder_state(dir);
  require_one_error(run_nnlab("train " + quoted(dir / "c.json") + " --plot " + quoted(dir / "plot.svg") +
                              " --metrics " + quoted(dir / "m.csv")),
                    "missing.csv");
  REQUIRE(folder_state(dir) == before);
  // compare checks its outputs before the first of its runs.
  const auto compare = run_nnlab("compare configs/xor.json --activations relu,tanh --csv " +
                                 quoted(dir / "no" / "such" / "t.csv"));
  require_one_error(compare, "cannot write CSV file " + (dir / "no/such/t.csv").string() + ": folder " +
                                 (dir / "no/such").string() + " does not exist");
  REQUIRE(compare.out.empty());
  std::filesystem::remove_all(dir);
}

// ---- Class 4: every write is checked ------------------------------------------------------------------------------

TEST_CASE("a write that fails (a full disk) is exit 1 with the system's reason, stdout included", "[outputs][cli]") {
  const auto dir = temp_dir("full_disk");
  REQUIRE(run_nnlab("train configs/xor.json -q --epochs 1 --save " + quoted(dir / "m.json")).exit_code == 0);
  std::ofstream(dir / "in.csv") << "x1,x2\n0,1\n";
  const std::string predict = "predict --model " + quoted(dir / "m.json") + " --input " + quoted(dir / "in.csv");
  require_one_error(run_nnlab(predict + " --output /dev/full"),
                    "writing predictions file /dev/full: No space left on device", 1);
  // Standard output into /dev/full: small outputs (one flush at the end) and large ones (flushed on the way).
  for (const std::string& args : {predict, "eval configs/xor.json --model " + quoted(dir / "m.json"),
                                  std::string("data generate spiral"), std::string("data generate moons --samples 100000"),
                                  std::string("train configs/xor.json --epochs 2")}) {
    CAPTURE(args);
    const std::string command = "cd '" + source_dir().string() + "' && '" + NNLAB_EXE + "' " + args +
                                " > /dev/full 2> '" + (dir / "err").string() + "'";
    const int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 1);
    REQUIRE(read_file(dir / "err") == "error: writing standard output: No space left on device\n");
  }
  std::filesystem::remove_all(dir);
}

// ---- Class 5: a signal that was ignored stays ignored ---------------------------------------------------------------

TEST_CASE("a run started with SIGHUP and SIGINT ignored (nohup) keeps running when they come", "[interrupt][cli]") {
  const auto dir = temp_dir("nohup");
  const std::string model = (dir / "m.json").string(), out = (dir / "out").string();
  // HUP and INT at epoch 2 change nothing; TERM (at its default) at epoch 4 stops the run as usual.
  const std::string script = send_signal_script(
      kSignalledRun + " --save '" + model + "'", dir, "HUP", "--ignore-signal=HUP,INT --default-signal=TERM",
      "kill -INT $pid; while kill -0 $pid 2>/dev/null && ! grep -qs '^epoch  4/' '" + out +
          "'; do sleep 0.02; done; kill -TERM $pid; ");
  REQUIRE(std::system(script.c_str()) == 0);
  REQUIRE(read_file(dir / "code") == "130\n");
  REQUIRE_THAT(read_file(out), Catch::Contains("\nepoch  4/"));
  REQUIRE(load_model(model).epochs_done >= 4);
  std::filesystem::remove_all(dir);
}

// ---- Classes 6 and 7: ranges, limits, messages, and what was not validated --------------------------------------

TEST_CASE("counts, sizes and values out of range are exit 2 with a message that says what and where",
          "[errors][cli][ranges]") {
  namespace fs = std::filesystem;
  const auto dir = temp_dir("ranges");
  const auto at = [&](const std::string& name) { return quoted(dir / name); };
  auto csv_config = [&](const std::string& name, const std::string& csv, const std::string& extra = "") {
    std::ofstream(dir / (name + ".csv"), std::ios::binary) << csv;
    std::ofstream(dir / (name + ".json")) << R"({"data": {"train": ")" + name + R"(.csv", "target": "y"},
      "model": {"layers": [{"units": 1, "activation": "linear"}]}, "loss": "mse", "training": {"epochs": 2})" +
                                                 extra + "}";
    return at(name + ".json");
  };
  std::ofstream(dir / "dup.json") << R"({"data": {"train": {"generate": "xor"}}, "loss": "cross_entropy",
    "model": {"layers": [{"units": 2, "activation": "softmax"}]},
    "optimizer": {"learning_rate": 0.1, "learning_rate": 0.5}})";
  std::ofstream(dir / "limit.json") << R"({"data": {"train": {"generate": "xor", "limit": 0}}, "loss": "cross_entropy",
    "model": {"layers": [{"units": 2, "activation": "softmax"}]}})";
  // A number too close to 0 for a double is read as 0 by the JSON parser: named as written, not "got 0". The
  // same text in a string or a comment is no number.
  std::ofstream(dir / "tiny.json") << R"({"data": {"train": {"generate": "xor"}, "class_names": ["1e-400", "b"]},
    "loss": "cross_entropy", "model": {"layers": [{"units": 2, "activation": "softmax"}]}, /* lr 1e-999? */
    "optimizer": {"learning_rate": 1e-400}})";
  std::ofstream(dir / "target.json") << R"({"data": {"train": {"generate": "plane"}, "target": "price"}, "loss": "mse",
    "model": {"layers": [{"units": 1, "activation": "linear"}]}})";
  std::ofstream(dir / "zero_pixels.idx", std::ios::binary) << std::string("\0\0\x08\x03\0\0\0\x02\0\0\0\x1c\0\0\0\0", 16);
  std::ofstream(dir / "labels.idx", std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x02\x00\x01", 10);
  std::ofstream(dir / "samples.json") << R"({"data": {"train": {"generate": "spiral", "samples": 100000001}},
    "loss": "cross_entropy", "model": {"layers": [{"units": 2, "activation": "softmax"}]}})";
  // A test label (255) that no training image has: named itself, not by the index of a class training has.
  std::ofstream(dir / "tr_images.idx", std::ios::binary) << std::string("\0\0\x08\x03\0\0\0\x04\0\0\0\x01\0\0\0\x02"
                                                                         "\x01\x02\x03\x04\x05\x06\x07\x08", 24);
  std::ofstream(dir / "tr_labels.idx", std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x04\0\x01\0\x01", 12);
  std::ofstream(dir / "te_images.idx", std::ios::binary) << std::string("\0\0\x08\x03\0\0\0\x02\0\0\0\x01\0\0\0\x02"
                                                                         "\x01\x02\x03\x04", 20);
  std::ofstream(dir / "te_labels.idx", std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x02\0\xff", 10);
  std::ofstream(dir / "label255.json") << R"({"data": {"train": {"images": "tr_images.idx", "labels": "tr_labels.idx"},
    "test": {"images": "te_images.idx", "labels": "te_labels.idx"}}, "loss": "cross_entropy",
    "model": {"layers": [{"units": 2, "activation": "softmax"}]}})";
  std::ofstream(dir / "idx.json") << R"({"data": {"train": {"images": "zero_pixels.idx", "labels": "labels.idx"}},
    "loss": "cross_entropy", "model": {"layers": [{"units": 2, "activation": "softmax"}]}})";
  REQUIRE(::mkfifo((dir / "fifo.json").c_str(), 0600) == 0);
  fs::create_symlink(dir / "loop.json", dir / "loop.json");
  std::ofstream(dir / "huge.json").close();
  REQUIRE(::truncate((dir / "huge.json").c_str(), (1LL << 30) + 1) == 0);  // sparse: takes no disk space
  const std::string big_cell(10'000'000, 'x');
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"data generate spiral --samples -5", "--samples: must be a whole number from 2 to 100000000, got -5"},
      {"data generate spiral --samples 1", "--samples: must be a whole number from 2 to 100000000, got 1"},
      {"data generate spiral --samples 1e11", "--samples: must be a whole number from 2 to 100000000, got 1e+11"},
      {"train " + at("samples.json"), "data.train.samples: must be a whole number from 2 to 100000000"},
      {"train " + csv_config("large", "a,y\n1,2\n1e39,3\n"), "large.csv:3:1: column \"a\": \"1e39\" is out of range "
                                                           "for float32"},
      {"train " + at("large.json") + " --dtype float64 --epochs 1 -q", ""},  // fits a double: trains (exit 0)
      {"train " + csv_config("huge_number", "a,y\n1,2\n1e400,3\n"), "\"1e400\" is too large for a number"},
      {"train " + csv_config("nul", std::string("a,y\n1,2\nab\0cd,3\n", 16)),
       "nul.csv:3:1: column \"a\": \"ab\\x00cd\" is not a finite number"},
      {"train " + csv_config("long_cell", "a,y\n1,2\n" + big_cell + ",3\n"), "\"xxxxxxxxxx"},
      {"train " + csv_config("l2", "a,y\n1,2\n2,3\n") + " --l2 1e300",
       "--l2: 1e+300 is out of range for float32"},
      {"train " + at("idx.json"), "zero_pixels.idx: bytes 4-15: the header gives each image 0 pixels"},
      {"train " + at("fifo.json"), "cannot read config file " + (dir / "fifo.json").string() +
                                       ": it is a FIFO (named pipe), not a file"},
      {"train /dev/zero", "cannot read config file /dev/zero: it is a character device, not a file"},
      {"eval configs/xor.json --model /dev/zero", "cannot read model file /dev/zero: it is a character device"},
      {"train " + at("loop.json"), "cannot read config file " + (dir / "loop.json").string() +
                                       ": too many levels of symbolic links (a symlink loop?)"},
      {"train " + at("label255.json"), "data.test: class \"255\" does not appear in the training data (its classes: 0, "
                                       "1)"},
      {"train " + at("huge.json"), "huge.json: is 1073741825 bytes; a config file may have at most 1073741824 (1 GiB)"},
      {"gradcheck configs/xor.json --tolerance -1", "--tolerance"},
      {"train " + at("dup.json"), "optimizer.learning_rate: the key \"learning_rate\" appears twice in one object"},
      {"train " + at("limit.json"), "data.train.limit: must be a whole number"},
      {"train " + at("target.json"), "generated data's target is \"y\"; \"price\" names no column"},
      {"train " + at("tiny.json"), "tiny.json:3:36: 1e-400 is too close to 0 for a number (the smallest is about "
                                   "4.9e-324); write 0 if you mean 0"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const auto result = run_nnlab(c.args);
    if (c.message.empty()) {
      REQUIRE(result.exit_code == 0);
      continue;
    }
    require_one_error(result, c.message);
    REQUIRE(result.err.size() < 400);  // bounded, even for a 10 MB cell
  }
  // A message that quotes a whole header (a 100000-character column name, one with a line break) stays one line of
  // at most about 2000 characters, the line break escaped.
  std::ofstream(dir / "wide.csv") << "a,\"two\nlines\"," + std::string(100'000, 'h') + ",y\n1,2,3,4\n";
  std::ofstream(dir / "wide.json") << R"({"data": {"train": "wide.csv", "target": "z"}, "loss": "mse",
    "model": {"layers": [{"units": 1, "activation": "linear"}]}})";
  const auto wide = run_nnlab("train " + at("wide.json"));
  REQUIRE(wide.exit_code == 2);
  REQUIRE_THAT(wide.err, Catch::StartsWith("error: ") && Catch::Contains("no column \"z\"") &&
                             Catch::Contains("a, two\\nlines, hhh") && Catch::EndsWith("hhh...\n"));
  REQUIRE(std::count(wide.err.begin(), wide.err.end(), '\n') == 1);
  REQUIRE(wide.err.size() <= std::string("error: ").size() + 2000 + std::string("...\n").size());
  // Cells people write that are numbers: "+5", and 1e-400 (too small to tell from 0, read as 0).
  REQUIRE(run_nnlab("train " + csv_config("signs", "a,y\n+5,2\n-1e-400,3\n4,1\n") + " -q").exit_code == 0);
  fs::remove_all(dir);
}

TEST_CASE("the generators refuse sample counts outside 2 to 100000000 themselves, for callers of the library",
          "[errors][ranges]") {
  REQUIRE_THROWS_WITH(generate_dataset({"spiral", 100'000'001, 0, 0, 2}),
                      "spiral: samples must be a whole number from 2 to 100000000, got 100000001");
  REQUIRE_THROWS_WITH(generate_dataset({"xor", 1, 0, 0, 2}), "xor: samples must be a whole number from 2 to 100000000, got 1");
}

TEST_CASE("a gzip bomb in an IDX file stops at the size its header announces", "[errors][cli][ranges]") {
  const auto dir = temp_dir("gzip_bomb");
  {  // a header for 2 images of 1 pixel, then 8 MB of zeros, compressed to a few kB
    gzFile file = gzopen((dir / "bomb.idx.gz").c_str(), "wb9");
    REQUIRE(file);
    const std::string header("\0\0\x08\x03\0\0\0\x02\0\0\0\x01\0\0\0\x01", 16);
    gzwrite(file, header.data(), unsigned(header.size()));
    const std::string zeros(1 << 20, '\0');
    for (int i = 0; i < 8; ++i) gzwrite(file, zeros.data(), unsigned(zeros.size()));
    gzclose(file);
  }
  std::ofstream(dir / "labels.idx", std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x02\x00\x01", 10);
  std::ofstream(dir / "c.json") << R"({"data": {"train": {"images": "bomb.idx.gz", "labels": "labels.idx"}},
    "loss": "cross_entropy", "model": {"layers": [{"units": 2, "activation": "softmax"}]}})";
  require_one_error(run_nnlab("train " + quoted(dir / "c.json")),
                    "bomb.idx.gz: the data goes on past the 18 bytes its header announces");
  std::filesystem::remove_all(dir);
}

TEST_CASE("class names with commas, quotes and line breaks stay one CSV cell in predictions", "[cli][csv]") {
  const auto dir = temp_dir("class_names_csv");
  std::ofstream(dir / "train.csv") << "a,y\n0,\"cat, large\"\n1,\"dog \"\"big\"\"\"\n0,\"cat, large\"\n1,\"dog \"\"big\"\"\"\n";
  std::ofstream(dir / "c.json") << R"({"data": {"train": "train.csv", "target": "y"},
    "model": {"layers": [{"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy", "training": {"epochs": 2}})";
  REQUIRE(run_nnlab("train " + quoted(dir / "c.json") + " -q --save " + quoted(dir / "m.json")).exit_code == 0);
  std::ofstream(dir / "in.csv") << "a\n0\n";
  REQUIRE(run_nnlab("predict --model " + quoted(dir / "m.json") + " --input " + quoted(dir / "in.csv") + " --output " +
                    quoted(dir / "p.csv"))
              .exit_code == 0);
  const std::string written = read_file(dir / "p.csv");
  REQUIRE_THAT(written, Catch::StartsWith("predicted,\"p_cat, large\",\"p_dog \"\"big\"\"\"\n"));
  // nnlab reads its own output back: one header, three columns.
  const CsvTable table = parse_csv(written, "p.csv");
  REQUIRE(table.header.size() == 3);
  REQUIRE(table.header[1] == "p_cat, large");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a checkpoint taken mid-epoch resumes only with the batch size it was cut with", "[resume][errors]") {
  const auto dir = temp_dir("resume_batch");
  const Config config = small_config(dir);
  Trainer<double> interrupted(config);
  StopAt stop(2, 3);
  std::vector<TrainingObserver*> observers = {&stop};
  REQUIRE(interrupted.run(observers, stop.token()).interrupted);
  clear_stop_request();
  save_model(dir / "m.json", interrupted);
  const SavedModel saved = load_model(dir / "m.json");
  Config other = config;
  other.batch_size = 4;
  Trainer<double> resumed(other, load_data(other, &saved.schema));
  REQUIRE_THROWS_WITH(restore(resumed, saved, dir / "m.json"),
                      Catch::Contains("the checkpoint stopped in the middle of epoch 2 (after batch 3) with batch size "
                                      "16; resume it with that batch size (this run has 4)"));
  Trainer<double> same(config, load_data(config, &saved.schema));
  REQUIRE_NOTHROW(restore(same, saved, dir / "m.json"));
  std::filesystem::remove_all(dir);
}

// ---- Data files too large for the memory -----------------------------------------------------------------------

TEST_CASE("a CSV or IDX file that needs more memory than there is is refused before it is read",
          "[errors][memory]") {
  const auto dir = temp_dir("memory");
  {
    std::ofstream csv(dir / "d.csv");
    csv << "a,b,y\n";
    for (int i = 0; i < 1000; ++i) csv << "1,2,3\n";
  }
  // The estimate: the text, and about 80 bytes a cell (plus 100 a row): 6 kB of text, 3000 cells, 1000 rows.
  std::uintmax_t cells = 0;
  const std::uintmax_t needed = csv_memory_estimate(dir / "d.csv", std::filesystem::file_size(dir / "d.csv"), cells);
  CHECK(cells == 3003);
  CHECK(needed == 6006 + 3003 * 80 + 1001 * 100);
  REQUIRE_THROWS_WITH(read_csv(dir / "d.csv", MemoryBudget{100'000, "a test's budget"}),
                      (dir / "d.csv").string() + ": loading this data file needs about 346 kB of memory (the file is "
                      "6 kB, about 3003 cells), more than the 100 kB available (a test's budget); use a smaller file, "
                      "or a machine with more free memory");
  CHECK(read_csv(dir / "d.csv", MemoryBudget{needed, "enough"}).rows.size() == 1000);
  CHECK(read_csv(dir / "d.csv", std::nullopt).rows.size() == 1000);  // no budget known: read

  // IDX: 2 images of 3 x 4 bytes, plain and compressed; loading holds the data twice.
  const std::string idx = std::string("\0\0\x08\x03\0\0\0\x02\0\0\0\x03\0\0\0\x04", 16) + std::string(24, '\x07');
  std::ofstream(dir / "i.idx", std::ios::binary) << idx;
  gzFile gz = gzopen((dir / "i.idx.gz").c_str(), "wb");
  REQUIRE(gz);
  gzwrite(gz, idx.data(), unsigned(idx.size()));
  gzclose(gz);
  REQUIRE_THROWS_WITH(read_idx(dir / "i.idx", 0, MemoryBudget{79, "a test's budget"}),
                      (dir / "i.idx").string() + ": loading this IDX file needs about 80 bytes of memory (the file is "
                      "40 bytes), more than the 79 bytes available (a test's budget); use a smaller file, or a machine "
                      "with more free memory");
  REQUIRE_THROWS_WITH(read_idx(dir / "i.idx.gz", 0, MemoryBudget{79, "a test's budget"}),
                      Catch::Contains("i.idx.gz: loading this IDX file needs about 80 bytes of memory (its header "
                                      "announces 2 items of 12 bytes)"));
  CHECK(read_idx(dir / "i.idx", 0, MemoryBudget{80, "enough"}).data.size() == 24);
  CHECK(read_idx(dir / "i.idx.gz", 0, MemoryBudget{80, "enough"}).data.size() == 24);

  // The machine's own budget exists here (Linux: MemAvailable), and is below its physical memory.
  const auto budget = available_memory();
  REQUIRE(budget);
  CHECK(budget->bytes <= std::uintmax_t(::sysconf(_SC_PHYS_PAGES)) * std::uintmax_t(::sysconf(_SC_PAGESIZE)));
  std::filesystem::remove_all(dir);
}

TEST_CASE("through the CLI, a data file too large for the memory is one error line, exit 2, before any reading",
          "[errors][memory][cli]") {
  const auto dir = temp_dir("memory_cli");
  // A compressed IDX file of a few bytes whose header announces 2147483647 images of 256 x 256 pixels (140 TB):
  // refused from its header, not decompressed until the memory runs out.
  gzFile gz = gzopen((dir / "huge.idx.gz").c_str(), "wb");
  REQUIRE(gz);
  const std::string header("\0\0\x08\x03\x7f\xff\xff\xff\0\0\x01\0\0\0\x01\0", 16);
  gzwrite(gz, header.data(), unsigned(header.size()));
  gzclose(gz);
  std::ofstream(dir / "labels.idx", std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x02\x00\x01", 10);
  std::ofstream(dir / "idx.json") << R"({"data": {"train": {"images": "huge.idx.gz", "labels": "labels.idx"}},
    "loss": "cross_entropy", "model": {"layers": [{"units": 2, "activation": "softmax"}]}})";
  require_one_error(run_nnlab("train " + quoted(dir / "idx.json")),
                    "huge.idx.gz: loading this IDX file needs about 281475 GB of memory (its header announces "
                    "2147483647 items of 65536 bytes), more than the ");

  // A CSV file as large as the machine's memory (sparse: it takes no disk space), with rows of two cells in its
  // first megabyte: about 40 times its size would be needed.
  const std::uintmax_t memory = std::uintmax_t(::sysconf(_SC_PHYS_PAGES)) * std::uintmax_t(::sysconf(_SC_PAGESIZE));
  {
    std::ofstream csv(dir / "big.csv");
    csv << "a,y\n";
    for (int i = 0; i < 300'000; ++i) csv << "1,2\n";
  }
  REQUIRE(::truncate((dir / "big.csv").c_str(), off_t(memory)) == 0);
  std::ofstream(dir / "csv.json") << R"({"data": {"train": "big.csv", "target": "y"}, "loss": "mse",
    "model": {"layers": [{"units": 1, "activation": "linear"}]}})";
  const auto result = run_nnlab("train " + quoted(dir / "csv.json"));
  require_one_error(result, "big.csv: loading this data file needs about ");
  CHECK_THAT(result.err, Catch::Contains(" of memory (the file is ") && Catch::Contains(" cells), more than the ") &&
                             Catch::Contains(" available ("));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a second run given the metrics file a running one writes is refused, and the file stays one run's",
          "[outputs][cli]") {
  const auto dir = temp_dir("metrics_lock");
  const std::string metrics = "'" + (dir / "m.csv").string() + "'";
  const std::string nnlab = "'" + std::string(NNLAB_EXE) + "'";
  // The first run trains until it is stopped; the second starts once the first has written two rows.
  const std::string script =
      "cd '" + source_dir().string() + "' && (env --default-signal=TERM " + nnlab +
      " train configs/xor.json --epochs 1000000 -q --metrics " + metrics + " > /dev/null 2>&1 & pid=$!; " +
      "while ! grep -qs '^2,' " + metrics + "; do sleep 0.02; done; " + nnlab +
      " train configs/xor.json --epochs 5 -q --metrics " + metrics + " > /dev/null 2> '" + (dir / "err").string() +
      "'; echo $? > '" + (dir / "code").string() + "'; kill -TERM $pid; wait $pid; echo $? > '" +
      (dir / "first_code").string() + "')";
  REQUIRE(std::system(script.c_str()) == 0);
  REQUIRE(read_file(dir / "code") == "2\n");
  REQUIRE(read_file(dir / "first_code") == "130\n");  // stopped by SIGTERM, as asked
  REQUIRE(read_file(dir / "err") == "error: cannot write metrics file " + (dir / "m.csv").string() +
                                        ": another run is writing it now; give each run a --metrics file of its own\n");
  // The file is the first run's alone: its header, then epochs 1, 2, 3, ... in order, every row complete.
  std::istringstream rows(read_file(dir / "m.csv"));
  std::string row;
  std::getline(rows, row);
  REQUIRE(row.starts_with("epoch,loss,"));
  const auto columns = std::count(row.begin(), row.end(), ',');
  std::size_t epoch = 0;
  while (std::getline(rows, row)) {
    CAPTURE(row);
    REQUIRE(row.starts_with(std::to_string(++epoch) + ","));
    REQUIRE(std::count(row.begin(), row.end(), ',') == columns);
  }
  REQUIRE(epoch >= 2);
  // Once the first run has ended, the file is free again.
  REQUIRE(run_nnlab("train configs/xor.json --epochs 5 -q --metrics " + metrics).exit_code == 0);
  std::filesystem::remove_all(dir);
}
