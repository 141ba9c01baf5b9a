// libFuzzer target: a model file loaded and then used, as `nnlab predict` and `nnlab eval` use it. The loader must
// refuse every file whose fields disagree with each other (class names against output units, the loss against the
// last layer, normalization against the inputs), so that nothing past it can index out of bounds.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "nnlab/errors.hpp"
#include "nnlab/losses.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/trainer.hpp"

namespace {

// A few rows shaped as the model expects: inputs for each feature, and a target per row that fits the task (a
// class index for classification, a number for regression), as load_data would have made them.
nnlab::Dataset rows_for(const nnlab::SavedModel& model) {
  constexpr std::size_t kRows = 3;
  nnlab::Tensor<double> inputs(kRows, model.inputs), targets(kRows, 1);
  for (std::size_t r = 0; r < kRows; ++r) {
    for (std::size_t c = 0; c < model.inputs; ++c) inputs(r, c) = double(r) - double(c) * 0.5;
    const std::size_t classes = model.schema.class_names.size();
    targets(r, 0) = classes ? double(r % classes) : 0.25 * double(r);
  }
  nnlab::Dataset data(std::move(inputs), std::move(targets));
  data.set_normalization(model.schema.normalization);
  return data;
}

template <typename T>
void use(const nnlab::SavedModel& model) {
  nnlab::Network<T> network = nnlab::network_from<T>(model);
  const nnlab::Dataset data = rows_for(model);
  std::ostringstream predictions;
  nnlab::write_predictions(predictions, model, nnlab::predict(network, data));  // nnlab predict
  const auto loss = nnlab::make_loss<T>(model.loss);
  (void)nnlab::evaluate(network, *loss, data, model.schema.class_names.size());  // nnlab eval
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nnlab::SavedModel model;
  try {
    model = nnlab::parse_model(std::string(reinterpret_cast<const char*>(data), size), "fuzz-model.json");
  } catch (const nnlab::InputError&) {
    return 0;  // refused with a message: what the loader is for
  }
  // Past the loader nothing may throw or crash: a model it accepts is usable.
  if (model.dtype == nnlab::DType::float64)
    use<double>(model);
  else
    use<float>(model);
  return 0;
}
