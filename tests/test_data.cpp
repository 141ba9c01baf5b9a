// Data sources, class names, splits and normalization.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "helpers.hpp"
#include "nnlab/config.hpp"
#include "nnlab/data.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/generate.hpp"
#include "nnlab/idx.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// An IDX file's bytes: header for `dims`, then `data`.
std::vector<std::uint8_t> idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> bytes = {0, 0, 0x08, std::uint8_t(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) bytes.push_back(std::uint8_t(d >> shift));
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

void write_file(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes, bool gzip) {
  if (gzip) {
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, bytes.data(), unsigned(bytes.size()));
    gzclose(file);
  } else {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
}

Config config_from(const std::filesystem::path& dir, const std::string& json) {
  std::ofstream(dir / "c.json") << json;
  return load_config(dir / "c.json");
}

}  // namespace

TEST_CASE("IDX files are read plain and gzipped, and errors give the byte offset", "[data][idx]") {
  const auto bytes = idx_bytes({3, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  const IdxArray array = parse_idx(bytes, "x.idx");
  REQUIRE(array.dims == std::vector<std::uint32_t>{3, 2, 2});
  REQUIRE(array.data.size() == 12);
  REQUIRE(parse_idx(bytes, "x.idx", 2).data.size() == 8);  // limit: the first 2 items

  const auto dir = temp_dir("idx");
  write_file(dir / "a.idx.gz", bytes, true);
  write_file(dir / "a.idx", bytes, false);
  REQUIRE(read_idx(dir / "a.idx.gz").data == array.data);
  REQUIRE(read_idx(dir / "a.idx").data == array.data);

  auto truncated = bytes;
  truncated.resize(bytes.size() - 3);
  REQUIRE_THROWS_WITH(parse_idx(truncated, "x.idx"),
                      "x.idx: byte 25: file is truncated: the header promises 3 items of 4 bytes (12 bytes after the "
                      "header), but only 9 follow");
  auto longer = bytes;
  longer.push_back(0);
  REQUIRE_THROWS_WITH(parse_idx(longer, "x.idx"), Catch::Contains("byte 28: 1 extra bytes after the last item"));
  auto wrong_type = bytes;
  wrong_type[2] = 0x0D;
  REQUIRE_THROWS_WITH(parse_idx(wrong_type, "x.idx"), Catch::Contains("byte 2: element type 13 is not supported"));
  REQUIRE_THROWS_WITH(parse_idx({'P', 'K', 3, 4, 0}, "x.idx"), Catch::Contains("byte 0: not an IDX file"));
  REQUIRE_THROWS_WITH(parse_idx({0, 0}, "x.idx"), Catch::Contains("file ends inside the 4-byte header"));
  REQUIRE_THROWS_WITH(read_idx(dir / "missing.idx"), Catch::Contains("missing.idx: no such file"));

  // A gzip file cut short: zlib reports it, and so do we.
  std::ifstream in(dir / "a.idx.gz", std::ios::binary);
  std::vector<char> gz((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(dir / "cut.gz", std::ios::binary).write(gz.data(), std::streamsize(gz.size() / 2));
  REQUIRE_THROWS_AS(read_idx(dir / "cut.gz"), InputError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("IDX images and labels become a byte data set scaled to [0, 1]", "[data][idx]") {
  const auto dir = temp_dir("idx_data");
  write_file(dir / "images.gz", idx_bytes({4, 1, 2}, {0, 255, 51, 102, 0, 0, 255, 255}), true);
  write_file(dir / "labels.gz", idx_bytes({4}, {0, 1, 2, 1}), true);
  write_file(dir / "labels3.gz", idx_bytes({3}, {0, 1, 2}), true);
  const std::string model = R"("model": {"layers": [{"units": 3, "activation": "softmax"}]}, "loss": "cross_entropy")";
  const auto data = load_data(config_from(dir, R"({"data": {"train": {"images": "images.gz", "labels": "labels.gz"},
      "class_names": ["a", "b", "c"]}, )" + model + "}"));
  REQUIRE(data.train.size() == 4);
  REQUIRE(data.train.features() == 2);
  REQUIRE(data.train.input(0, 1) == 1.0);
  REQUIRE(data.train.input(1, 0) == Approx(0.2));
  REQUIRE(data.schema.class_names == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(data.schema.features[1] == "pixel1");

  REQUIRE_THROWS_WITH(load_data(config_from(dir, R"({"data": {"train": {"images": "images.gz",
      "labels": "labels3.gz"}}, )" + model + "}")),
                      Catch::Contains("has 4 images but") && Catch::Contains("has 3 labels"));
  const auto limited = load_data(config_from(dir, R"({"data": {"train": {"images": "images.gz", "labels": "labels.gz",
      "limit": 3}}, )" + model + "}"));
  REQUIRE(limited.train.size() == 3);
  std::filesystem::remove_all(dir);
}

TEST_CASE("CSV class labels map to indices in sorted order and test sets must use them", "[data][csv]") {
  const auto dir = temp_dir("classes");
  std::ofstream(dir / "train.csv") << "x,kind\n1,cat\n2,dog\n3,ant\n4,dog\n";
  std::ofstream(dir / "test.csv") << "x,kind\n1,dog\n2,ant\n";
  std::ofstream(dir / "bad_test.csv") << "x,kind\n1,dog\n2,cow\n";
  std::ofstream(dir / "numbers.csv") << "x,n\n1,10\n2,2\n3,10\n";
  std::ofstream(dir / "one.csv") << "x,kind\n1,cat\n2,cat\n";
  const std::string model = R"("model": {"layers": [{"units": 3, "activation": "softmax"}]}, "loss": "cross_entropy")";

  const auto data = load_data(config_from(dir, R"({"data": {"train": "train.csv", "target": "kind",
      "test": "test.csv"}, )" + model + "}"));
  REQUIRE(data.schema.class_names == std::vector<std::string>{"ant", "cat", "dog"});
  REQUIRE(data.train.targets()(0, 0) == 1);  // cat
  REQUIRE(data.train.targets()(2, 0) == 0);  // ant
  REQUIRE(data.test.targets()(0, 0) == 2);   // dog, by the training set's numbering
  REQUIRE(data.test.targets()(1, 0) == 0);

  REQUIRE_THROWS_WITH(load_data(config_from(dir, R"({"data": {"train": "train.csv", "target": "kind",
      "test": "bad_test.csv"}, )" + model + "}")),
                      Catch::Contains("bad_test.csv:3: class \"cow\" does not appear in the training data (its "
                                      "classes: ant, cat, dog)"));
  const std::string two = R"("model": {"layers": [{"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy")";
  REQUIRE(load_data(config_from(dir, R"({"data": {"train": "numbers.csv", "target": "n"}, )" + two + "}"))
              .schema.class_names == std::vector<std::string>{"2", "10"});
  REQUIRE_THROWS_WITH(load_data(config_from(dir, R"({"data": {"train": "one.csv", "target": "kind"}, )" + two + "}")),
                      Catch::Contains("the training data holds only one class (\"cat\")"));
  // "a, b" style files: the spaces around a label are not part of it.
  std::ofstream(dir / "spaced.csv") << "x, kind\n1, cat\n2,cat \n3 , dog\n";
  const auto spaced = load_data(config_from(dir, R"({"data": {"train": "spaced.csv", "target": "kind"}, )" + two + "}"));
  REQUIRE(spaced.schema.class_names == std::vector<std::string>{"cat", "dog"});
  REQUIRE(spaced.train.targets()(1, 0) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("generated data sets are seeded, balanced and labelled by their rule", "[data][generate]") {
  for (const auto& kind : generator_names()) {
    CAPTURE(kind);
    const std::size_t classes = kind == "spiral" || kind == "gauss" ? 3 : 2;
    const GeneratorSpec spec{kind, 90, 0.1, 7, classes};
    const GeneratedData a = generate_dataset(spec), b = generate_dataset(spec);
    REQUIRE(a.inputs.rows() == 90);
    REQUIRE(a.inputs == b.inputs);
    REQUIRE(a.targets == b.targets);
    REQUIRE_FALSE(generate_dataset({kind, 90, 0.1, 8, classes}).inputs == a.inputs);
    if (a.classification) {
      std::vector<std::size_t> counts(classes, 0);
      for (double t : a.targets.values()) ++counts[std::size_t(t)];
      for (std::size_t c : counts) {
        if (kind == "xor")
          REQUIRE(c > 20);  // quadrants are drawn at random: roughly balanced
        else
          REQUIRE(c == 90 / classes);
      }
    }
  }
  const GeneratedData xor_data = generate_dataset({"xor", 200, 0, 1, 2});
  for (std::size_t r = 0; r < 200; ++r)
    REQUIRE(xor_data.targets(r, 0) == (xor_data.inputs(r, 0) * xor_data.inputs(r, 1) >= 0 ? 1.0 : 0.0));
  const GeneratedData circle = generate_dataset({"circle", 200, 0, 1, 2});
  for (std::size_t r = 0; r < 200; ++r)
    REQUIRE((std::hypot(circle.inputs(r, 0), circle.inputs(r, 1)) < 2.5) == (circle.targets(r, 0) == 1));
  const GeneratedData plane = generate_dataset({"plane", 50, 0, 1, 2});
  REQUIRE_FALSE(plane.classification);
  REQUIRE(plane.targets(3, 0) == Approx((plane.inputs(3, 0) + plane.inputs(3, 1)) / 10));

  REQUIRE_THROWS_WITH(generate_dataset({"spirals"}), Catch::Contains("did you mean \"spiral\"?"));
  REQUIRE_THROWS_WITH(generate_dataset({"xor", 100, 0, 1, 3}), Catch::Contains("xor: has exactly 2 classes"));
  REQUIRE_THROWS_WITH(generate_dataset({"moons", 100, 2.0}), Catch::Contains("noise must be from 0 to 1"));
}

TEST_CASE("the validation split is reproducible and normalization is fitted on training rows only", "[data]") {
  const auto dir = temp_dir("split");
  auto config = [&](std::uint64_t seed, const std::string& normalize) {
    return config_from(dir, R"({"data": {"train": {"generate": "gauss", "samples": 100, "seed": 3},
        "validation_fraction": 0.25, "normalize": ")" + normalize + R"("},
        "model": {"layers": [{"units": 2, "activation": "softmax"}]}, "loss": "cross_entropy",
        "training": {"seed": )" + std::to_string(seed) + "}}");
  };
  const DataSplits a = load_data(config(1, "standard")), b = load_data(config(1, "standard")),
                   c = load_data(config(2, "standard"));
  REQUIRE(a.train.size() == 75);
  REQUIRE(a.validation.size() == 25);
  REQUIRE(a.validation.targets() == b.validation.targets());
  REQUIRE(a.validation.input(0, 0) == b.validation.input(0, 0));
  bool differs = false;
  for (std::size_t r = 0; r < 25; ++r) differs |= a.validation.input(r, 0) != c.validation.input(r, 0);
  REQUIRE(differs);

  // standard: the training rows, normalized, have mean 0 and standard deviation 1; the validation rows do not
  // take part in the fit.
  Tensor<double> x, y;
  a.train.gather_range(0, a.train.size(), x, y);
  for (std::size_t col = 0; col < 2; ++col) {
    double sum = 0, squares = 0;
    for (std::size_t r = 0; r < x.rows(); ++r) sum += x(r, col), squares += x(r, col) * x(r, col);
    REQUIRE(sum / 75 == Approx(0).margin(1e-12));
    REQUIRE(squares / 75 == Approx(1));
  }
  REQUIRE(a.validation.normalization().shift == a.schema.normalization.shift);

  const DataSplits m = load_data(config(1, "minmax"));
  m.train.gather_range(0, m.train.size(), x, y);
  REQUIRE(*std::min_element(x.data(), x.data() + x.size()) == 0.0);
  REQUIRE(*std::max_element(x.data(), x.data() + x.size()) == 1.0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("IDX headers with absurd sizes are errors, not allocations (found by fuzzing)", "[data][idx]") {
  // 0xFFFFFFFF in every one of four dimensions: the product overflows 64 bits.
  std::vector<std::uint8_t> bytes = {0, 0, 8, 4};
  for (int i = 0; i < 16; ++i) bytes.push_back(0xFF);
  bytes.push_back(1);
  REQUIRE_THROWS_WITH(parse_idx(bytes, "x.idx", 2), Catch::Contains("x.idx: byte ") &&
                                                        Catch::Contains("the header is corrupt"));
}
