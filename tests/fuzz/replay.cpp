// Replays a fuzz corpus through one fuzz target without libFuzzer, as a regression test: built with the normal
// compiler and run by CTest over every file in tests/fuzz/corpus/<target>/ (and any further corpus folders given,
// e.g. the model loader's corpus for the target that also uses the models). Any crash or stray exception fails it.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
      if (!entry.is_regular_file()) continue;
      std::ifstream file(entry.path(), std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), {});
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++count;
    }
    std::printf("replayed %zu inputs from %s\n", count, argv[i]);
    if (count == 0) return 1;  // an empty corpus is a mistake, not a pass
  }
  return 0;
}
