// Saved models: one JSON file with everything needed to use or continue a trained model. See README.md
// ("Model files") for the format.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "nnlab/dataset.hpp"
#include "nnlab/files.hpp"
#include "nnlab/network.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab {

// 2: data.target_normalization (data.normalize_target). 3: layers[i].batch_norm (γ, β, running statistics) and
// layers[i].dropout. Older files load as having none of these.
constexpr int kModelFormatVersion = 3;

struct SavedTensor {
  std::string name;  // the parameter's name, e.g. "layers[0].weight"
  std::size_t rows = 0, cols = 0;
  std::vector<double> values;
};

struct SavedModel {
  DType dtype = DType::float32;
  std::size_t inputs = 0;
  LossKind loss = LossKind::mse;
  std::vector<LayerSpec> layers;
  std::vector<SavedTensor> parameters;  // in Network::parameters() order
  std::vector<SavedTensor> velocity;    // the optimizer's momentum buffers; empty without momentum
  // Batch normalization's running statistics, running_mean then running_var per layer that has it, (1, units).
  std::vector<SavedTensor> running;
  // Early stopping's best epoch so far, its validation loss and weights; best_epoch 0 when there is none.
  std::size_t best_epoch = 0;
  double best_loss = 0;
  std::vector<SavedTensor> best_values;
  std::vector<SavedTensor> best_running;  // the running statistics at the best epoch, as `running`; may be empty
  DataSchema schema;
  std::size_t epochs_done = 0;
  std::size_t batches_done = 0;  // of the next epoch, for a checkpoint taken mid-epoch
  std::string config_json;  // the config it was trained with (flags applied)
};

// Writes the model atomically (replace_file): to a temporary file of its own beside PATH first, then renamed over
// PATH, so a crash never leaves half a file. Returns the identity of the file written.
template <typename T>
FileIdentity save_model(const std::filesystem::path& path, Trainer<T>& trainer);

// Where save_model_or_rescue put the model, and why not at the asked-for path (empty when it is there).
struct SaveOutcome {
  std::filesystem::path path;
  std::string failure;
  FileIdentity written;
};

// save_model; and when `path` cannot be written any more (its folder was removed, the disk filled up), the same
// into the system's temporary folder as nnlab-rescued-<name>, so a long run is not lost at its last step. Throws
// TrainingError only when both fail.
template <typename T>
SaveOutcome save_model_or_rescue(const std::filesystem::path& path, Trainer<T>& trainer);

// Saves the model so far (atomically, over `path`) every `every` epochs, except after the last one: what
// `--checkpoint-every` does, so a crash or a power cut costs at most `every` epochs.
template <typename T>
class CheckpointWriter : public TrainingObserver {
 public:
  CheckpointWriter(Trainer<T>& trainer, std::filesystem::path path, std::size_t every)
      : trainer_(trainer), path_(std::move(path)), every_(every) {}
  void on_epoch(const EpochReport& report) override {
    if (every_ && report.epoch % every_ == 0 && report.epoch < report.epochs) last_ = save_model(path_, trainer_);
  }
  // The file the last checkpoint wrote; nullopt before the first.
  const std::optional<FileIdentity>& last_written() const { return last_; }

 private:
  Trainer<T>& trainer_;
  std::filesystem::path path_;
  std::size_t every_;
  std::optional<FileIdentity> last_;
};

// Throws InputError naming the file and the JSON path of anything malformed.
SavedModel load_model(const std::filesystem::path& path);
// The same from text; `source` names it in errors.
SavedModel parse_model(const std::string& text, const std::string& source);

// A network with the saved architecture and weights.
template <typename T>
Network<T> network_from(const SavedModel& model);

// Puts saved weights, momentum and epoch count into a trainer, after checking that the config's model is the
// saved one. Throws InputError on a mismatch.
// What `nnlab predict` writes, as CSV: for regression the target's name then one row of outputs per sample; for
// classification "predicted,p_<class>..." then the predicted class and each class's probability. Class names are
// quoted as CSV needs.
template <typename T>
void write_predictions(std::ostream& out, const SavedModel& model, const Tensor<T>& outputs);

template <typename T>
void restore(Trainer<T>& trainer, const SavedModel& model, const std::filesystem::path& path);

}  // namespace nnlab
