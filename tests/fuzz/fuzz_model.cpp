// libFuzzer target: the model-file loader, and building a network from what it accepts.
#include <cstddef>
#include <cstdint>
#include <string>

#include "nnlab/errors.hpp"
#include "nnlab/model_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nnlab::SavedModel model =
        nnlab::parse_model(std::string(reinterpret_cast<const char*>(data), size), "fuzz-model.json");
    nnlab::Network<float> network = nnlab::network_from<float>(model);
    (void)network.describe();
  } catch (const nnlab::InputError&) {
  }
  return 0;
}
