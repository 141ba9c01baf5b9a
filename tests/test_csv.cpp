#include <catch2/catch.hpp>
#include <fstream>

#include "helpers.hpp"
#include "nnlab/config.hpp"
#include "nnlab/csv.hpp"
#include "nnlab/data.hpp"
#include "nnlab/errors.hpp"

using namespace nnlab;
using namespace nnlab::test;

TEST_CASE("CSV: header, quotes, CRLF, a byte order mark and blank lines", "[csv]") {
  const CsvTable table = parse_csv("\xEF\xBB\xBF" "a,\"b, with comma\",c\r\n1,2,3\r\n\r\n\"4\",\"5\"\"\",6\n", "t.csv");
  REQUIRE(table.header == std::vector<std::string>{"a", "b, with comma", "c"});
  REQUIRE(table.rows.size() == 2);
  REQUIRE(table.rows[1][1] == "5\"");
  REQUIRE(table.row_lines[1] == 4);
  const Tensor<double> numbers = table.numeric_columns({0, 2});
  REQUIRE(numbers(1, 0) == 4);
  REQUIRE(numbers(1, 1) == 6);
}

TEST_CASE("CSV errors name the file, line and column", "[csv][errors]") {
  REQUIRE_THROWS_WITH(parse_csv("x,y\n1,2\n3,4,5\n", "d.csv"),
                      "d.csv:3: expected 2 cells as in the header, found 3");
  REQUIRE_THROWS_WITH(parse_csv("", "d.csv"), Catch::Contains("d.csv: the file is empty"));
  REQUIRE_THROWS_WITH(parse_csv("x,y\n", "d.csv"), "d.csv: has a header but no data rows");
  REQUIRE_THROWS_WITH(parse_csv("x,\n1,2\n", "d.csv"), Catch::Contains("d.csv:1:3: header column 2 has no name"));
  REQUIRE_THROWS_WITH(parse_csv("x,x\n1,2\n", "d.csv"), Catch::Contains("\"x\" appears twice"));
  REQUIRE_THROWS_WITH(parse_csv("x,y\n1,\"2\n", "d.csv"), Catch::Contains("d.csv:2: a quoted cell is never closed"));

  REQUIRE_THROWS_WITH(parse_csv("x,y\n1,2\n3,abc\n", "d.csv").numeric_columns({0, 1}),
                      "d.csv:3:3: column \"y\": \"abc\" is not a finite number");
  REQUIRE_THROWS_WITH(parse_csv("x,y\n1,2\n5,\n", "d.csv").numeric_columns({1}),
                      "d.csv:3:3: column \"y\": empty cell");
  REQUIRE_THROWS_WITH(parse_csv("x,y\n1,nan\n", "d.csv").numeric_columns({1}),
                      "d.csv:2:3: column \"y\": \"nan\" is not a finite number");
  const CsvTable table = parse_csv("x,y\n1,2\n", "d.csv");
  REQUIRE_THROWS_WITH(table.column_index("yy", "data.target"),
                      Catch::Contains("data.target: no column \"yy\" in d.csv (did you mean \"y\"?)"));
  REQUIRE_THROWS_WITH(read_csv("/nonexistent.csv"), Catch::Contains("cannot read data file /nonexistent.csv"));
  // A file from a spreadsheet that separates with semicolons or tabs reads as one column: say so.
  REQUIRE_THROWS_WITH(parse_csv("x;y\n1;2\n", "d.csv").column_index("y", "data.target"),
                      "data.target: no column \"y\" in d.csv; its columns are x;y (the file seems to separate its "
                      "cells with ';'; nnlab reads comma-separated files)");
  REQUIRE_THROWS_WITH(parse_csv("x\ty\n1\t2\n", "d.csv").column_index("y", "data.target"),
                      Catch::EndsWith("(the file seems to separate its cells with tabs; nnlab reads comma-separated "
                                      "files)"));
}

TEST_CASE("training data: feature and target columns by name, checked against the model", "[csv][data]") {
  const auto dir = temp_dir("dataset");
  std::ofstream(dir / "d.csv") << "a,b,label\n1,2,0\n3,4,1\n5,6,2\n";
  auto config_with = [&](const std::string& model, const std::string& loss, const std::string& target) {
    std::ofstream(dir / "c.json") << R"({"data": {"train": "d.csv", "target": ")" + target +
                                         R"("}, "model": {"layers": [)" + model + R"(]}, "loss": ")" + loss + "\"}";
    return load_config(dir / "c.json");
  };
  const auto data = load_data(config_with(R"({"units": 3, "activation": "softmax"})", "cross_entropy", "label"));
  REQUIRE(data.schema.features == std::vector<std::string>{"a", "b"});  // default: every column but the target
  REQUIRE(data.schema.class_names == std::vector<std::string>{"0", "1", "2"});
  REQUIRE(data.train.input(2, 1) == 6);
  REQUIRE(data.train.targets()(2, 0) == 2);

  REQUIRE_THROWS_WITH(load_data(config_with(R"({"units": 2, "activation": "softmax"})", "cross_entropy", "label")),
                      Catch::Contains("model.layers[0].units: the last layer has 2 units but the data has 3 classes "
                                      "(0, 1, 2)"));
  REQUIRE_THROWS_WITH(load_data(config_with(R"({"units": 1, "activation": "linear"})", "mse", "lable")),
                      Catch::Contains("data.target: no column \"lable\"") && Catch::Contains("\"label\"?"));
  REQUIRE_THROWS_WITH(load_data(config_with(R"({"units": 2, "activation": "linear"})", "mse", "label")),
                      Catch::Contains("the last layer has 2 units"));
  std::filesystem::remove_all(dir);
}
