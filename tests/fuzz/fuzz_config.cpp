// libFuzzer target: the config parser must turn any text into a Config or one InputError, never crash or throw
// anything else. See tests/fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "nnlab/config.hpp"
#include "nnlab/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    nnlab::Config config = nnlab::parse_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json",
                                               "/nonexistent");
    for (const auto& layer : config.layers) (void)nnlab::weight_init(layer, nnlab::model_init(config));
    (void)nnlab::config_to_json(config);
  } catch (const nnlab::InputError&) {
  }
  return 0;
}
