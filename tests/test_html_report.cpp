// The HTML report (--report): its structure for each kind of run, its self-containment, the live rewrite while a
// run goes on, and the page in a real browser (headless chromium): the script finishes without a console message
// and the screenshot is not blank.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "helpers.hpp"
#include "nnlab/html_report.hpp"
#include "nnlab/png.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// Checks that every element is closed in order (void elements and `/>` aside), outside <script> and <style> text.
// Returns "" when well formed, else what is wrong and where.
std::string well_formed(const std::string& html) {
  static const std::set<std::string> kVoid = {"meta", "input", "br", "img", "link", "hr", "source", "wbr"};
  std::vector<std::string> open;
  std::size_t at = 0;
  if (!html.starts_with("<!DOCTYPE html>")) return "no <!DOCTYPE html> first";
  while ((at = html.find('<', at)) != std::string::npos) {
    if (html.compare(at, 4, "<!--") == 0) {
      at = html.find("-->", at);
      if (at == std::string::npos) return "an unclosed comment";
      continue;
    }
    // The tag's end: the first '>' outside quotes.
    std::size_t end = at + 1;
    char quote = 0;
    for (; end < html.size(); ++end) {
      const char c = html[end];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      } else if (c == '<') {
        return "a '<' inside the tag at offset " + std::to_string(at);
      }
    }
    if (end >= html.size()) return "an unclosed tag at offset " + std::to_string(at);
    const std::string tag = html.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.starts_with("!")) continue;  // <!DOCTYPE html>
    if (tag.starts_with("/")) {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes <" + (open.empty() ? "nothing" : open.back()) + "> near offset " +
               std::to_string(at);
      open.pop_back();
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" \n/"));
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return "a stray '<' at offset " + std::to_string(at);
    if (tag.ends_with("/") || kVoid.count(name)) continue;
    if (name == "script" || name == "style") {
      const std::size_t close = html.find("</" + name + ">", at);
      if (close == std::string::npos) return "<" + name + "> is not closed";
      at = close + name.size() + 3;
      continue;
    }
    open.push_back(name);
  }
  if (!open.empty()) return "<" + open.back() + "> is not closed";
  return "";
}

// What a self-contained page must not have: references that need a network.
void require_offline(const std::string& html) {
  REQUIRE(html.find("http:") == std::string::npos);
  REQUIRE(html.find("https:") == std::string::npos);
  REQUIRE(html.find("src=") == std::string::npos);  // no script, image or frame from elsewhere
  REQUIRE(html.find("<link") == std::string::npos);
  REQUIRE(html.find("@import") == std::string::npos);
}

bool has_section(const std::string& html, const std::string& id) {
  return html.find("<section id='" + id + "'>") != std::string::npos;
}

// A PNG's pixels as RGBA (8-bit RGB or RGBA, not interlaced: what chromium and png_bytes write).
struct Picture {
  std::size_t width = 0, height = 0;
  std::vector<unsigned char> rgba;
};

std::uint32_t be32(const std::string& s, std::size_t at) {
  return std::uint32_t(std::uint8_t(s[at])) << 24 | std::uint32_t(std::uint8_t(s[at + 1])) << 16 |
         std::uint32_t(std::uint8_t(s[at + 2])) << 8 | std::uint32_t(std::uint8_t(s[at + 3]));
}

Picture decode_png(const std::string& png) {
  REQUIRE(png.starts_with("\x89PNG\r\n\x1a\n"));
  Picture picture;
  int colour_type = 0;
  std::string packed;
  for (std::size_t at = 8; at + 8 <= png.size();) {
    const std::uint32_t length = be32(png, at);
    const std::string type = png.substr(at + 4, 4);
    REQUIRE(at + 12 + length <= png.size());
    const std::string data = png.substr(at + 8, length);
    const std::uint32_t crc = be32(png, at + 8 + length);
    const std::string typed = type + data;
    REQUIRE(crc == crc32(0, reinterpret_cast<const Bytef*>(typed.data()), uInt(typed.size())));
    if (type == "IHDR") {
      picture.width = be32(data, 0), picture.height = be32(data, 4);
      REQUIRE(int(data[8]) == 8);  // bit depth
      colour_type = data[9];
      REQUIRE((colour_type == 2 || colour_type == 6));
      REQUIRE(int(data[12]) == 0);  // not interlaced
    }
    if (type == "IDAT") packed += data;
    at += 12 + length;
  }
  const std::size_t channels = colour_type == 6 ? 4 : 3, stride = picture.width * channels;
  std::vector<unsigned char> rows(picture.height * (stride + 1));
  uLongf size = uLongf(rows.size());
  REQUIRE(uncompress(rows.data(), &size, reinterpret_cast<const Bytef*>(packed.data()), uLong(packed.size())) ==
          Z_OK);
  REQUIRE(size == rows.size());
  std::vector<unsigned char> pixels(picture.height * stride), previous(stride, 0);
  for (std::size_t r = 0; r < picture.height; ++r) {
    const unsigned char filter = rows[r * (stride + 1)];
    REQUIRE(filter <= 4);
    const unsigned char* in = &rows[r * (stride + 1) + 1];
    unsigned char* out = &pixels[r * stride];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= channels ? out[i - channels] : 0, b = previous[i],
                c = i >= channels ? previous[i - channels] : 0;
      int predicted = 0;
      if (filter == 1) predicted = a;
      if (filter == 2) predicted = b;
      if (filter == 3) predicted = (a + b) / 2;
      if (filter == 4) {  // Paeth
        const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[i] = (unsigned char)(in[i] + predicted);
    }
    std::copy(out, out + stride, previous.begin());
  }
  picture.rgba.reserve(picture.width * picture.height * 4);
  for (std::size_t p = 0; p < picture.width * picture.height; ++p) {
    for (std::size_t c = 0; c < 3; ++c) picture.rgba.push_back(pixels[p * channels + c]);
    picture.rgba.push_back(channels == 4 ? pixels[p * 4 + 3] : 255);
  }
  return picture;
}

std::size_t distinct_colours(const Picture& picture) {
  std::set<std::uint32_t> colours;
  for (std::size_t p = 0; p + 3 < picture.rgba.size(); p += 4)
    colours.insert(std::uint32_t(picture.rgba[p]) << 16 | std::uint32_t(picture.rgba[p + 1]) << 8 | picture.rgba[p + 2]);
  return colours.size();
}

// Runs headless chromium as the issue prescribes, with its console routed to stderr. Returns stdout (the DOM with
// --dump-dom); stderr goes to `log`.
std::string chromium(const std::string& mode, const std::filesystem::path& page, const std::filesystem::path& log) {
  REQUIRE(std::system("command -v chromium > /dev/null") == 0);  // bash .ci/build installs it
  const auto profile = page.parent_path() / ("profile_" + mode.substr(2, 4));
  const auto out = page.parent_path() / "chromium_out";
  const std::string command =
      "timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir='" +
      profile.string() + "' --enable-logging=stderr --v=0 --hide-scrollbars --window-size=1280,2000 " + mode +
      " 'file://" + page.string() + "' > '" + out.string() + "' 2> '" + log.string() + "'";
  const int status = std::system(command.c_str());
  INFO(read_file(log));
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return read_file(out);
}

// Loads the page in chromium: its script must have finished (the marker) with no console message at all (an
// uncaught error is one), and its screenshot must show a picture, not a blank page.
void check_in_browser(const std::filesystem::path& page) {
  const auto dir = page.parent_path();
  const std::string dom = chromium("--dump-dom", page, dir / "dom.log");
  INFO(dom.substr(0, 400));
  REQUIRE(dom.find("data-report=\"ready\"") != std::string::npos);
  const std::string log = read_file(dir / "dom.log");
  INFO(log);
  REQUIRE(log.find(":CONSOLE") == std::string::npos);

  const auto shot = dir / "shot.png";
  chromium("--screenshot='" + shot.string() + "'", page, dir / "shot.log");
  const Picture picture = decode_png(read_file(shot));
  REQUIRE(picture.width == 1280);
  // A blank page is one colour; text, curves and a boundary give thousands.
  REQUIRE(distinct_colours(picture) > 200);
}

}  // namespace

TEST_CASE("png_bytes writes a PNG that decodes to its pixels, and base64 pads as RFC 4648 says", "[report]") {
  const std::vector<unsigned char> rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90};
  const Picture picture = decode_png(png_bytes(3, 2, rgb));
  REQUIRE(picture.width == 3);
  REQUIRE(picture.height == 2);
  for (std::size_t p = 0; p < 6; ++p)
    for (std::size_t c = 0; c < 3; ++c) REQUIRE(int(picture.rgba[p * 4 + c]) == int(rgb[p * 3 + c]));
  REQUIRE(base64("Man") == "TWFu");
  REQUIRE(base64("Ma") == "TWE=");
  REQUIRE(base64("M") == "TQ==");
  REQUIRE(base64("") == "");
}

TEST_CASE("the well-formedness check catches what it is for", "[report]") {
  REQUIRE(well_formed("<!DOCTYPE html><html><body><p>a</p></body></html>") == "");
  REQUIRE(well_formed("<!DOCTYPE html><html><body><p>a</body></html>") != "");
  REQUIRE(well_formed("<!DOCTYPE html><html><body><p>a < b</p></body></html>") != "");
  REQUIRE(well_formed("<!DOCTYPE html><html><script>if (a < b) x();</script></html>") == "");
}

TEST_CASE("a train report of a 2-input classifier has every section, stays small and needs no network",
          "[report][cli]") {
  const auto dir = temp_dir("report_spiral");
  const auto page = dir / "spiral.html";
  // 40 epochs: more snapshots than the slider keeps, so they are thinned.
  const CliResult run = run_nnlab("train configs/spiral.json --epochs 40 --diagnostics --quiet --report '" +
                                  page.string() + "'");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  REQUIRE_THAT(run.out, Catch::Contains("wrote " + page.string()));
  const std::string html = read_file(page);
  REQUIRE(well_formed(html) == "");
  require_offline(html);
  for (const char* id : {"run", "curves", "diagnostics", "weights", "fit", "confusion"}) {
    INFO(id);
    REQUIRE(has_section(html, id));
  }
  REQUIRE_FALSE(has_section(html, "equation"));  // three layers are no single neuron
  // The header: command line, data, model, dtype, seed, version, machine, the config.
  for (const char* fact : {"train configs/spiral.json --epochs 40", "480 training rows (+120 validation, 300 test)",
                           "3 classes (0, 1, 2)", "normalization standard", "2-16-16-3 (relu, relu, softmax)",
                           "float32, seed 1", "version " NNLAB_VERSION, "threads for matrix products",
                           "<details><summary>config"}) {
    INFO(fact);
    REQUIRE(html.find(fact) != std::string::npos);
  }
  for (const char* chart : {"Loss per epoch", "Accuracy per epoch", "Learning rate per epoch", "Weight-gradient norm",
                            "Update-to-weight ratio", "Dead and saturated", "Activation mean", "Layer 2 weights",
                            "Decision boundary", "true \\ predicted"}) {
    INFO(chart);
    REQUIRE(html.find(chart) != std::string::npos);
  }
  REQUIRE(html.find("id='log-scale'") != std::string::npos);
  REQUIRE(count(html, "<div class='chart log'>") >= 2);  // loss and learning rate on both scales
  REQUIRE(html.find("data-live='no'") != std::string::npos);
  REQUIRE(html.find("data-state='finished'") != std::string::npos);
  REQUIRE(html.find("finished: 40 epochs") != std::string::npos);
  // Snapshots: from epoch 0 on, thinned to at most 25, the last one the final epoch.
  const std::size_t frames = count(html, "<g class='frame'");
  REQUIRE(frames >= 10);
  REQUIRE(frames <= 25);
  REQUIRE(html.find("epoch 0&quot;") != std::string::npos);
  REQUIRE(html.find("epoch 40&quot;]") != std::string::npos);
  REQUIRE(html.size() < 2'000'000);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a train report of a 1-input regression shows the fitted curve and the neuron's equation",
          "[report][cli]") {
  const auto dir = temp_dir("report_linear");
  const auto page = dir / "linear.html";
  const CliResult run =
      run_nnlab("train configs/linear_fit.json --epochs 300 --activation sigmoid --quiet --report '" + page.string() + "'");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string html = read_file(page);
  REQUIRE(well_formed(html) == "");
  require_offline(html);
  for (const char* id : {"run", "curves", "diagnostics", "weights", "fit", "equation"}) {
    INFO(id);
    REQUIRE(has_section(html, id));
  }
  REQUIRE_FALSE(has_section(html, "confusion"));  // regression
  REQUIRE(html.find("Fitted curve") != std::string::npos);
  REQUIRE(html.find("regression of y") != std::string::npos);
  REQUIRE(html.find("Run with <code>--diagnostics</code>") != std::string::npos);
  REQUIRE(html.find("Accuracy per epoch") == std::string::npos);
  // The equation is the trained neuron's: y = sigmoid(w · x + b), the numbers the console prints.
  const std::smatch equation = [&] {
    std::smatch m;
    REQUIRE(std::regex_search(html, m, std::regex("y = sigmoid\\(([-0-9.e]+)\u00A0·\u00A0x \\+ ([-0-9.e]+)\\)")));
    return m;
  }();
  const std::smatch printed = [&] {
    std::smatch m;
    REQUIRE(std::regex_search(run.out, m, std::regex("y = ([-0-9.e]+) \\* x \\+ ([-0-9.e]+)")));
    return m;
  }();
  REQUIRE(std::stod(equation[1]) == Approx(std::stod(printed[1])).epsilon(1e-5));
  REQUIRE(std::stod(equation[2]) == Approx(std::stod(printed[2])).epsilon(1e-5));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a 2-input regression's report shows the regression surface and the plane's equation", "[report][cli]") {
  const auto dir = temp_dir("report_plane");
  std::ofstream(dir / "plane.json") << R"({"data": {"train": {"generate": "plane", "samples": 60, "seed": 1}},
    "model": {"layers": [{"units": 1, "activation": "linear"}]}, "loss": "mse", "training": {"epochs": 5}})";
  const auto page = dir / "plane.html";
  const CliResult run =
      run_nnlab("train '" + (dir / "plane.json").string() + "' --quiet --report '" + page.string() + "'");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string html = read_file(page);
  REQUIRE(well_formed(html) == "");
  require_offline(html);
  for (const char* id : {"run", "curves", "weights", "fit", "equation"}) {
    INFO(id);
    REQUIRE(has_section(html, id));
  }
  REQUIRE(html.find("Regression surface") != std::string::npos);
  // No-break spaces around "·": the line wraps between terms only.
  REQUIRE(std::regex_search(html, std::regex("y = [-0-9.e]+\u00A0·\u00A0x1 \\+ [-0-9.e]+\u00A0·\u00A0x2 \\+ [-0-9.e]+</p>")));
  REQUIRE(count(html, "<g class='frame'") == 6);  // epochs 0 to 5
  std::filesystem::remove_all(dir);
}

TEST_CASE("a compare report overlays the runs and shows the table and each run's boundary", "[report][cli]") {
  const auto dir = temp_dir("report_compare");
  const auto page = dir / "compare.html";
  const CliResult run = run_nnlab("compare configs/dying_relu.json --activations relu,leaky_relu --epochs 30 --report '" +
                                  page.string() + "'");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string html = read_file(page);
  REQUIRE(well_formed(html) == "");
  require_offline(html);
  for (const char* id : {"run", "curves", "summary", "fit"}) {
    INFO(id);
    REQUIRE(has_section(html, id));
  }
  REQUIRE(html.find("<td>relu</td>") != std::string::npos);
  REQUIRE(html.find("<td>leaky_relu</td>") != std::string::npos);
  REQUIRE(count(html, "<g class='frame'") == 2);  // one boundary per run
  REQUIRE(html.find("relu: 2-") != std::string::npos);
  REQUIRE(html.find("leaky_relu: 2-") != std::string::npos);
  REQUIRE(html.find("finished: 2 variants") != std::string::npos);
  REQUIRE(html.find("data-live='no'") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("compare --seeds draws each variant's spread over the seeds as a band", "[report][cli]") {
  const auto dir = temp_dir("report_seeds");
  const auto page = dir / "seeds.html";
  const CliResult run = run_nnlab("compare configs/xor.json --activations tanh,relu --seeds 2 --epochs 5 --report '" +
                                  page.string() + "'");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string html = read_file(page);
  REQUIRE(well_formed(html) == "");
  REQUIRE(html.find("tanh (2 seeds)") != std::string::npos);
  REQUIRE(html.find("relu (2 seeds)") != std::string::npos);
  REQUIRE(count(html, "fill-opacity='0.18'") >= 4);  // loss and accuracy bands, two variants
  REQUIRE(html.find("finished: 2 variants × 2 seeds") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a compare report draws the spread over seeds as a band", "[report]") {
  CompareReport report{.title = "test", .runs_planned = 1};
  report.runs.push_back(CompareRun{.name = "relu", .losses = {{1.0, 0.5, 0.25}, {1.2, 0.7, 0.3}}});
  const std::string html = compare_report_html(report);
  REQUIRE(well_formed(html) == "");
  REQUIRE(html.find("relu (2 seeds)") != std::string::npos);
  REQUIRE(html.find("fill-opacity='0.18'") != std::string::npos);  // the band
  report.runs[0].losses.pop_back();
  REQUIRE(compare_report_html(report).find("fill-opacity='0.18'") == std::string::npos);
}

TEST_CASE("training.report writes report.html beside the --save file, and needs one", "[report][cli]") {
  const auto dir = temp_dir("report_config");
  std::ofstream(dir / "xor.json") << R"({"data": {"train": {"generate": "xor", "samples": 40, "seed": 1}},
    "model": {"layers": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "softmax"}]},
    "loss": "cross_entropy", "training": {"epochs": 3, "report": true}})";
  const CliResult saved =
      run_nnlab("train '" + (dir / "xor.json").string() + "' --quiet --save '" + (dir / "model.json").string() + "'");
  INFO(saved.err);
  REQUIRE(saved.exit_code == 0);
  REQUIRE(read_file(dir / "report.html").find("finished: 3 epochs") != std::string::npos);
  const CliResult unsaved = run_nnlab("train '" + (dir / "xor.json").string() + "' --quiet");
  REQUIRE(unsaved.exit_code == 2);
  REQUIRE_THAT(unsaved.err, Catch::Contains("error: training.report writes report.html beside the --save file"));
  const CliResult bad_path = run_nnlab("train configs/xor.json --quiet --report '" + dir.string() + "/no/such/r.html'");
  REQUIRE(bad_path.exit_code == 2);
  REQUIRE_THAT(bad_path.err, Catch::Contains("cannot write report file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a report's warnings are the console's including the epoch-0 row's", "[report][cli]") {
  const auto dir = temp_dir("report_warnings");
  for (const char* config : {"sparse_l1", "dying_relu"}) {
    const auto page = dir / (std::string(config) + ".html");
    const CliResult run = run_nnlab("train configs/" + std::string(config) + ".json --epochs 20 --report '" +
                                    page.string() + "'");
    REQUIRE(run.exit_code == 0);
    const std::string html = read_file(page);
    std::size_t said = 0;
    for (const std::string& line : lines_of(run.out)) {
      if (!line.starts_with("warning: ")) continue;
      ++said;
      CAPTURE(line);  // the report writes "epoch N: what" on one line, its hint after it
      CHECK(html.find(line.substr(9, 40)) != std::string::npos);
    }
    CAPTURE(config);
    if (std::string(config) == "sparse_l1") {
      // Its first step moves the weights by 82% of their size while the loss falls from the epoch-0 row's: no
      // warning on the console, and none in the report.
      CHECK(said == 0);
      CHECK(html.find("probably too high") == std::string::npos);
    } else {  // units dead in the epoch-0 row, before any step: said in both
      CHECK(said >= 1);
      CHECK(html.find("epoch 0: layer 2 (relu): 67% of its units are dead") != std::string::npos);
    }
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a diverging run's report says so and stops reloading", "[report][cli]") {
  const auto dir = temp_dir("report_diverged");
  const auto page = dir / "diverged.html";
  const CliResult run = run_nnlab("train configs/linear_fit.json --lr 10 --quiet --report '" + page.string() + "'");
  REQUIRE(run.exit_code == 1);
  const std::string html = read_file(page);
  REQUIRE(well_formed(html) == "");
  REQUIRE(html.find("data-state='failed'") != std::string::npos);
  REQUIRE(html.find("stopped by an error: epoch ") != std::string::npos);
  REQUIRE(html.find("try a smaller learning rate") != std::string::npos);
  REQUIRE(html.find("data-live='no'") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("while a run trains its report is always a whole page, says the epoch and reloads itself",
          "[report][cli][live]") {
  const auto dir = temp_dir("report_live");
  const auto page = dir / "live.html";
  const std::string report = page.string();
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    if (::chdir(source_dir().c_str()) != 0) std::_Exit(126);
    ::execl(NNLAB_EXE, NNLAB_EXE, "train", "configs/linear_fit.json", "--epochs", "100000000", "--quiet", "--report",
            report.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  // Read the page as a browser would, whenever it is there, until it has shown two different epochs after the
  // first; then stop the run with Ctrl-C. No timing is assumed: a slow machine only takes longer.
  std::set<std::size_t> epochs_seen;
  std::size_t reads = 0, last_epoch = 0;
  bool exited = false;
  const std::regex training("training: epoch ([0-9]+) of 100000000");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(10);  // a hang guard, not a timing
  while (epochs_seen.size() < 3 && std::chrono::steady_clock::now() < give_up) {
    int status = 0;
    if (waitpid(child, &status, WNOHANG) == child) {
      exited = true;
      break;
    }
    const std::string html = read_file(page);
    if (html.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    ++reads;
    INFO("read " << reads);
    REQUIRE(html.ends_with("</html>\n"));
    REQUIRE(html.find("data-live='yes'") != std::string::npos);
    REQUIRE(html.find("location.reload()") != std::string::npos);
    std::smatch match;
    REQUIRE(std::regex_search(html, match, training));
    const std::size_t epoch = std::stoul(match[1]);
    REQUIRE(epoch >= last_epoch);
    last_epoch = epoch;
    epochs_seen.insert(epoch);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!exited) ::kill(child, SIGINT);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE_FALSE(exited);
  REQUIRE(epochs_seen.size() >= 3);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 130);
  const std::string html = read_file(page);
  REQUIRE(well_formed(html) == "");
  REQUIRE(html.find("data-live='no'") != std::string::npos);
  REQUIRE(html.find("data-state='interrupted'") != std::string::npos);
  REQUIRE(html.find("interrupted after epoch ") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a train report and a compare report render in headless chromium without errors", "[report][browser]") {
  const auto dir = temp_dir("report_browser");
  const auto train = dir / "train.html";
  REQUIRE(run_nnlab("train configs/xor.json --epochs 30 --diagnostics --quiet --report '" + train.string() + "'")
              .exit_code == 0);
  check_in_browser(train);
  const auto compare = dir / "compare.html";
  REQUIRE(run_nnlab("compare configs/linear_fit.json --activations sigmoid,linear --epochs 200 --report '" +
                    compare.string() + "'")
              .exit_code == 0);
  check_in_browser(compare);
  std::filesystem::remove_all(dir);
}
