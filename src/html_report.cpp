#include "nnlab/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "nnlab/files.hpp"
#include "nnlab/gemm.hpp"
#include "nnlab/plot.hpp"
#include "nnlab/png.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

constexpr std::size_t kMaxFrames = 24;   // snapshots kept for the epoch slider (spiral's page stays far below 2 MB)
constexpr int kGridCells = 96;           // the plane's picture: kGridCells × kGridCells predictions
constexpr int kCurvePoints = 200;        // the fitted curve of a 1-input model
constexpr std::size_t kMaxCurvePoints = 2000;  // epochs drawn per curve
constexpr std::size_t kHistogramBins = 30;
constexpr std::size_t kMaxEquationInputs = 12;
constexpr auto kWriteInterval = std::chrono::seconds(1);

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fixed(const char* pattern, double value) { return formatted(pattern, value); }

// An SVG chart for inline use: HTML gives inline <svg> its namespace, so the xmlns attribute (a URL) goes.
std::string inline_svg(std::string svg) {
  const std::string xmlns = " xmlns='http://www.w3.org/2000/svg'";
  if (const auto at = svg.find(xmlns); at != std::string::npos) svg.erase(at, xmlns.size());
  return svg;
}

std::string chart(const std::vector<Series>& series, const ChartOptions& options) {
  return "<div class='chart'>" + inline_svg(line_chart_svg(series, options)) + "</div>\n";
}

// The same chart on a linear and on a log axis; the page's scale toggle shows one of them.
std::string scaled_chart(const std::vector<Series>& series, ChartOptions options) {
  const std::string label = options.y_label;
  options.log_y = false;
  std::string out = "<div class='chart lin'>" + inline_svg(line_chart_svg(series, options)) + "</div>\n";
  options.log_y = true;
  options.y_label = label + " (log scale)";
  return out + "<div class='chart log'>" + inline_svg(line_chart_svg(series, options)) + "</div>\n";
}

std::string json_string_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : items[i]) out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    out += '"';
  }
  return out + "]";
}

// The slider that scrubs through a picture's frames (the page's script wires it up).
std::string frames_box(const std::string& svg, const std::vector<std::string>& labels) {
  std::ostringstream out;
  out << "<div class='frames' data-labels=\"" << escape(json_string_list(labels)) << "\">\n";
  if (labels.size() > 1)
    out << "<label class='slider'>snapshot <input type='range' min='0' max='" << labels.size() - 1 << "' value='"
        << labels.size() - 1 << "'> <span class='frame-label'>" << escape(labels.back()) << "</span></label>\n";
  out << svg << "</div>\n";
  return out.str();
}

const char* const kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1500px;padding:0 20px 40px;color:#222;background:#fafafa}
h1{font-size:1.5em;margin:18px 0 6px}h2{font-size:1.2em;margin:0 0 8px}
section{background:white;border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:14px 0}
#status{font-size:1.1em;font-weight:600;padding:6px 10px;border-radius:4px;display:inline-block;margin:4px 0}
.state-running{background:#fff3cd}.state-finished{background:#d4edda}.state-stopped_early{background:#d1ecf1}
.state-interrupted{background:#ffe5b4}.state-failed{background:#f8d7da}
table.facts th{text-align:left;padding:2px 12px 2px 0;vertical-align:top;white-space:nowrap;color:#555}
table.facts td{padding:2px 0}code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em}
pre{background:#f4f4f4;padding:8px;overflow:auto;max-height:400px}
.charts{display:flex;flex-wrap:wrap;gap:10px}.chart svg,.frames svg{width:100%;height:auto}
.chart{flex:1 1 480px;max-width:660px}.frames{max-width:760px}.toggle{font-weight:normal;font-size:.8em;margin-left:16px}
body:not(.log) .chart.log,body.log .chart.lin{display:none}
table.grid{border-collapse:collapse;margin:6px 0}table.grid td,table.grid th{border:1px solid #ccc;padding:3px 10px;text-align:right}
table.grid th{background:#f0f0f0}.note{color:#666}.warning{color:#8a4b00}
.equation{font-size:1.2em;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
)";

// Switches scales and frames, keeps them (and the scroll position) across the reloads of a live page, and marks
// the page ready when it ran without error (what the browser test reads).
const char* const kScript = R"(
(function () {
  var root = document.documentElement;
  window.addEventListener('error', function (e) { root.setAttribute('data-report', 'error: ' + e.message); });
  var key = 'nnlab-report:' + location.pathname, saved = {};
  try { saved = JSON.parse(sessionStorage.getItem(key) || '{}'); } catch (e) { saved = {}; }
  var scale = document.getElementById('log-scale');
  if (scale) {
    if (typeof saved.log === 'boolean') scale.checked = saved.log;
    var apply = function () { document.body.classList.toggle('log', scale.checked); };
    scale.addEventListener('change', apply);
    apply();
  }
  var boxes = document.querySelectorAll('.frames');
  boxes.forEach(function (box, n) {
    var slider = box.querySelector('input'), label = box.querySelector('.frame-label');
    var frames = box.querySelectorAll('g.frame'), names = JSON.parse(box.getAttribute('data-labels'));
    if (!slider) return;
    var show = function () {
      var i = Number(slider.value);
      frames.forEach(function (f, k) { f.setAttribute('display', k === i ? 'inline' : 'none'); });
      label.textContent = names[i];
    };
    var kept = saved['frame' + n];
    if (typeof kept === 'number' && kept < frames.length) slider.value = kept;
    slider.addEventListener('input', show);
    show();
  });
  if (root.getAttribute('data-live') === 'yes') {
    setTimeout(function () {
      var state = { log: scale ? scale.checked : false, y: window.scrollY };
      boxes.forEach(function (box, n) {
        var s = box.querySelector('input');
        if (s && Number(s.value) < Number(s.max)) state['frame' + n] = Number(s.value);
      });
      try { sessionStorage.setItem(key, JSON.stringify(state)); } catch (e) { }
      location.reload();
    }, 1500);
  }
  if (typeof saved.y === 'number') window.scrollTo(0, saved.y);
  if (!root.getAttribute('data-report')) root.setAttribute('data-report', 'ready');
})();
)";

// The page's scale toggle, naming the charts it switches: the loss, and the learning rate where there is its chart.
std::string scale_toggle(bool learning_rate_chart) {
  return std::string("<label class='toggle'><input type='checkbox' id='log-scale' checked> log scale for the loss") +
         (learning_rate_chart ? " and the learning rate" : "") + "</label>";
}

// Accuracies as the console shows them: percentages.
std::vector<Series> in_percent(std::vector<Series> series) {
  for (Series& s : series)
    for (auto* values : {&s.y, &s.low, &s.high})
      for (double& v : *values) v *= 100;
  return series;
}

const char* state_name(RunEnd end) {
  switch (end) {
    case RunEnd::running: return "running";
    case RunEnd::finished: return "finished";
    case RunEnd::stopped_early: return "stopped_early";
    case RunEnd::interrupted: return "interrupted";
    case RunEnd::failed: return "failed";
  }
  return "running";
}

std::string page(const std::string& title, RunEnd end, const std::string& status, const std::string& body) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang='en' data-live='" << (end == RunEnd::running ? "yes" : "no") << "'>\n<head>\n"
      << "<meta charset='utf-8'>\n<meta name='viewport' content='width=device-width, initial-scale=1'>\n<title>"
      << escape(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>" << escape(title)
      << "</h1>\n<p id='status' class='state-" << state_name(end) << "' data-state='" << state_name(end) << "'>"
      << escape(status) << "</p>\n";
  out << body << "<footer class='note'>written by nnlab " << NNLAB_VERSION
      << "; this page needs no network and works offline</footer>\n<script>" << kScript
      << "</script>\n</body>\n</html>\n";
  return out.str();
}

std::string facts_row(const std::string& name, const std::string& html_value) {
  return "<tr><th>" + escape(name) + "</th><td>" + html_value + "</td></tr>\n";
}

std::string data_description(const DataSplits& data) {
  std::string out = std::to_string(data.train.size()) + " training rows";
  if (data.validation.size() || data.test.size()) {
    out += " (";
    if (data.validation.size()) out += "+" + std::to_string(data.validation.size()) + " validation";
    if (data.validation.size() && data.test.size()) out += ", ";
    if (data.test.size()) out += std::to_string(data.test.size()) + " test";
    out += ")";
  }
  const auto& features = data.schema.features;
  out += "; " + std::to_string(features.size()) + " feature" + (features.size() == 1 ? "" : "s");
  if (features.size() <= 12) out += " (" + join(features) + ")";
  if (!data.schema.class_names.empty()) {
    out += "; " + std::to_string(data.schema.class_names.size()) + " classes";
    if (data.schema.class_names.size() <= 20) out += " (" + join(data.schema.class_names) + ")";
  } else {
    out += "; regression of " + data.schema.target;
  }
  return out + "; normalization " + name_of(data.schema.normalization.kind);
}

std::string training_description(const Config& config) {
  std::string out = std::to_string(config.epochs) + " epochs, batch " +
                    (config.batch_size ? std::to_string(config.batch_size) : std::string("whole set")) +
                    ", learning rate " + round_trip(config.optimizer.learning_rate);
  if (config.schedule.type != ScheduleKind::constant) out += " (" + name_of(config.schedule.type) + " schedule)";
  if (config.optimizer.momentum) out += ", momentum " + round_trip(config.optimizer.momentum);
  if (config.regularization.l1) out += ", l1 " + round_trip(config.regularization.l1);
  if (config.regularization.l2) out += ", l2 " + round_trip(config.regularization.l2);
  if (config.early_stopping.patience)
    out += ", early stopping after " + std::to_string(config.early_stopping.patience) + " epochs without progress";
  return out;
}

std::string config_details(const Config& config) {
  return "<details><summary>config as run (the file with the command line's flags applied)</summary><pre>" +
         escape(config_text(config)) + "</pre></details>\n";
}

// A histogram's outline as a step line: counts per bin over [low, high].
Series histogram(const std::vector<double>& values, double low, double high, const std::string& name) {
  std::vector<double> counts(kHistogramBins, 0);
  const double width = (high - low) / double(kHistogramBins);
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    const auto bin = std::min(kHistogramBins - 1, std::size_t(std::max(0.0, (v - low) / width)));
    counts[bin] += 1;
  }
  Series s{.name = name};
  for (std::size_t b = 0; b < kHistogramBins; ++b) {
    const double left = low + width * double(b);
    s.x.insert(s.x.end(), {left, left + width});
    s.y.insert(s.y.end(), {counts[b], counts[b]});
  }
  return s;
}

std::string weights_section(const std::vector<std::vector<double>>& start,
                             const std::vector<std::vector<double>>& end, const std::string& network) {
  std::ostringstream out;
  out << "<section id='weights'><h2>Weights</h2>\n<p class='note'>How each layer's weights are spread, at the start "
         "(dashed) and at the end (solid) of training"
      << (end.empty() ? " (the end appears when the run ends)" : "") << ".</p>\n<div class='charts'>\n";
  for (std::size_t layer = 0; layer < start.size(); ++layer) {
    double low = INFINITY, high = -INFINITY;
    for (const auto* values : {&start[layer], layer < end.size() ? &end[layer] : &start[layer]})
      for (double v : *values)
        if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
    if (!std::isfinite(low)) low = -1, high = 1;
    if (high - low < 1e-12) low -= 0.5, high += 0.5;
    Series first = histogram(start[layer], low, high, "start");
    first.dashed = true;
    std::vector<Series> series = {first};
    if (layer < end.size()) series.push_back(histogram(end[layer], low, high, "end"));
    out << chart(series, {"Layer " + std::to_string(layer) + " weights (" + std::to_string(start[layer].size()) +
                              ") of " + network,
                          "weight", "count", false, 680, 360});
  }
  out << "</div></section>\n";
  return out.str();
}

std::string confusion_table(const Evaluation& evaluation, const std::vector<std::string>& class_names) {
  std::ostringstream out;
  out << "<table class='grid'><tr><th>true \\ predicted</th>";
  for (const auto& name : class_names) out << "<th>" << escape(name) << "</th>";
  out << "</tr>\n";
  for (std::size_t r = 0; r < evaluation.confusion.size(); ++r) {
    std::size_t total = 0;
    for (std::size_t count : evaluation.confusion[r]) total += count;
    out << "<tr><th>" << escape(r < class_names.size() ? class_names[r] : std::to_string(r)) << "</th>";
    for (std::size_t c = 0; c < evaluation.confusion[r].size(); ++c) {
      const double share = total ? double(evaluation.confusion[r][c]) / double(total) : 0;
      const auto rgb = palette_rgb(r == c ? 2 : 1);  // green on the diagonal, red off it
      out << "<td style='background:rgba(" << int(rgb[0]) << ',' << int(rgb[1]) << ',' << int(rgb[2]) << ','
          << fixed("%.2f", 0.6 * share) << ")'>" << evaluation.confusion[r][c] << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
  return out.str();
}

// A share in [0, 1] blended from white towards a palette colour.
void blend(unsigned char* pixel, std::size_t colour, double amount) {
  const auto rgb = palette_rgb(colour);
  for (int c = 0; c < 3; ++c) pixel[c] = (unsigned char)std::lround(255 * (1 - amount) + rgb[c] * amount);
}

template <typename T>
class TrainerView final : public ModelView {
 public:
  explicit TrainerView(Trainer<T>& trainer) : trainer_(trainer) {}
  const Config& config() const override { return trainer_.config(); }
  const DataSplits& data() const override { return trainer_.data(); }
  std::string describe() const override { return trainer_.network().describe(); }
  Tensor<double> outputs(const Tensor<double>& raw_inputs) override {
    Dataset rows(raw_inputs, Tensor<double>(raw_inputs.rows(), 1));
    rows.set_normalization(trainer_.data().schema.normalization);
    const Tensor<T> result = predict(trainer_.network(), rows);
    Tensor<double> out(result.rows(), result.cols());
    for (std::size_t i = 0; i < result.size(); ++i) out[i] = double(result[i]);
    return out;
  }
  std::vector<std::vector<double>> layer_weights() override {
    std::vector<std::vector<double>> layers;
    for (std::size_t i = 0; i < trainer_.network().layer_count(); ++i) {
      const Tensor<T>& w = trainer_.network().layer(i).weight.value;
      layers.emplace_back(w.data(), w.data() + w.size());
    }
    return layers;
  }
  std::vector<double> first_neuron() override {
    const Dense<T>& layer = trainer_.network().layer(0);
    std::vector<double> values(layer.weight.value.data(), layer.weight.value.data() + layer.inputs());
    values.push_back(double(layer.bias.value[0]));
    return values;
  }
  std::size_t layers() const override { return trainer_.network().layer_count(); }
  std::size_t outputs() const override { return trainer_.network().outputs(); }
  Evaluation evaluate(const Dataset& data) override { return trainer_.evaluate(data); }

 private:
  Trainer<T>& trainer_;
};

}  // namespace

// The config as JSON, its paths (made absolute) shown relative to the current folder when they are inside it, so a
// page says data/linear.csv rather than where the repository happened to be.
std::string config_text(const Config& config) {
  std::string json = config_to_json(config);
  std::error_code error;
  const std::string here = std::filesystem::current_path(error).string() + "/";
  if (error || here == "/") return json;
  for (std::size_t at; (at = json.find("\"" + here)) != std::string::npos;) json.erase(at + 1, here.size());
  return json;
}

template <typename T>
std::unique_ptr<ModelView> view_of(Trainer<T>& trainer) {
  return std::make_unique<TrainerView<T>>(trainer);
}
template std::unique_ptr<ModelView> view_of(Trainer<float>&);
template std::unique_ptr<ModelView> view_of(Trainer<double>&);

std::string machine_description() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, cpu = "unknown CPU";
  while (std::getline(cpuinfo, line))
    if (line.starts_with("model name")) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  return cpu + " (" + std::to_string(std::thread::hardware_concurrency()) + " cores), " +
         std::to_string(gemm_threads()) + " threads for matrix products";
}

std::string shell_command_line(const std::vector<std::string>& arguments) {
  std::string line;
  for (const std::string& word : arguments) {
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
      return std::isalnum(c) || std::string_view("_./=,:+-@%").find(char(c)) != std::string_view::npos;
    });
    std::string quoted = word;
    if (!plain) {
      quoted = "'";
      for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      quoted += "'";
    }
    line += (line.empty() ? "" : " ") + quoted;
  }
  return line;
}

// ---------------------------------------------------------------- the fitted picture

FitPicture::FitPicture(ModelView& model) {
  const DataSplits& data = model.data();
  inputs_ = data.schema.features.size();
  classification_ = !data.schema.class_names.empty();
  class_names_ = data.schema.class_names;
  if (!drawable() || data.train.size() == 0) return;
  points_ = Tensor<double>(data.train.size(), 2);
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  target_low_ = INFINITY, target_high_ = -INFINITY;
  for (std::size_t r = 0; r < data.train.size(); ++r) {
    const double target = data.train.targets()(r, 0);
    points_(r, 0) = data.train.input(r, 0);
    points_(r, 1) = inputs_ == 2 ? data.train.input(r, 1) : target;
    if (classification_) labels_of_points_.push_back(std::size_t(target));
    target_low_ = std::min(target_low_, target), target_high_ = std::max(target_high_, target);
    x_low = std::min(x_low, points_(r, 0)), x_high = std::max(x_high, points_(r, 0));
    y_low = std::min(y_low, points_(r, 1)), y_high = std::max(y_high, points_(r, 1));
  }
  if (target_high_ - target_low_ < 1e-12) target_low_ -= 1, target_high_ += 1;
  const double mx = (x_high - x_low) * 0.08 + 1e-9, my = (y_high - y_low) * 0.08 + 1e-9;
  x_low_ = x_low - mx, x_high_ = x_high + mx, y_low_ = y_low - my, y_high_ = y_high + my;
  if (inputs_ == 1)
    for (int i = 0; i < kCurvePoints; ++i) curve_x_.push_back(x_low_ + (x_high_ - x_low_) * i / (kCurvePoints - 1));
}

void FitPicture::snapshot(ModelView& model, const std::string& label) {
  if (!drawable() || points_.rows() == 0) return;
  labels_.push_back(label);
  if (inputs_ == 1) {
    Tensor<double> xs(curve_x_.size(), 1);
    for (std::size_t i = 0; i < curve_x_.size(); ++i) xs[i] = curve_x_[i];
    const Tensor<double> out = model.outputs(xs);
    std::vector<double> curve;
    for (std::size_t r = 0; r < out.rows(); ++r) {
      const double* row = out.row(r);
      // A classifier with several outputs shows its predicted class; one output is the value (or P(class 1)).
      curve.push_back(out.cols() > 1 && classification_ ? double(std::max_element(row, row + out.cols()) - row)
                                                        : row[0]);
    }
    curves_.push_back(std::move(curve));
    return;
  }
  Tensor<double> grid(std::size_t(kGridCells * kGridCells), 2);
  for (int r = 0; r < kGridCells; ++r)  // picture row 0 is the top: the highest x2
    for (int c = 0; c < kGridCells; ++c) {
      grid(std::size_t(r * kGridCells + c), 0) = x_low_ + (c + 0.5) / kGridCells * (x_high_ - x_low_);
      grid(std::size_t(r * kGridCells + c), 1) = y_high_ - (r + 0.5) / kGridCells * (y_high_ - y_low_);
    }
  const Tensor<double> out = model.outputs(grid);
  std::vector<unsigned char> rgb(std::size_t(kGridCells * kGridCells) * 3);
  for (std::size_t i = 0; i < grid.rows(); ++i) {
    unsigned char* pixel = &rgb[i * 3];
    const double* p = out.row(i);
    if (!std::all_of(p, p + out.cols(), [](double v) { return std::isfinite(v); })) {
      pixel[0] = pixel[1] = pixel[2] = 190;  // a diverged model: grey
    } else if (classification_) {
      // The predicted class's colour, paler where the model is less sure than certain.
      const std::size_t classes = out.cols() == 1 ? 2 : out.cols();
      const std::size_t best =
          out.cols() == 1 ? (p[0] >= 0.5 ? 1 : 0) : std::size_t(std::max_element(p, p + out.cols()) - p);
      const double top = out.cols() == 1 ? std::max(p[0], 1 - p[0]) : p[best];
      const double chance = 1.0 / double(classes);
      blend(pixel, best, 0.08 + 0.5 * std::clamp((top - chance) / (1 - chance), 0.0, 1.0));
    } else {
      // Regression: blue below the middle of the targets' range, red above it, stronger further out.
      const double t = 2 * (p[0] - target_low_) / (target_high_ - target_low_) - 1;
      blend(pixel, t < 0 ? 0 : 1, 0.65 * std::min(1.0, std::abs(t)));
    }
  }
  pictures_.push_back(png_data_uri(kGridCells, kGridCells, rgb));
}

void FitPicture::thin() {
  const auto keep = [n = labels_.size()](std::size_t i) { return i % 2 == 0 || i + 1 == n; };
  const auto thin_vector = [&](auto& items) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (keep(i)) {
        if (kept != i) items[kept] = std::move(items[i]);  // never onto itself: a self-moved vector is emptied
        ++kept;
      }
    if (!items.empty()) items.resize(kept);
  };
  thin_vector(pictures_);
  thin_vector(curves_);
  thin_vector(labels_);
}

std::string FitPicture::svg(const std::string& title) const {
  if (labels_.empty()) return "";
  if (inputs_ == 2) {
    PlaneChart chart{.title = title, .x_low = x_low_, .x_high = x_high_, .y_low = y_low_, .y_high = y_high_,
                     .pictures = pictures_, .points = points_, .labels = labels_of_points_};
    if (classification_)
      for (const auto& name : class_names_) chart.legend.push_back("class " + name);
    else
      chart.legend = {"output < " + fixed("%.3g", (target_low_ + target_high_) / 2), "output > " +
                                                                                          fixed("%.3g", (target_low_ + target_high_) / 2)};
    return inline_svg(plane_svg(chart));
  }
  Series data{.name = classification_ ? "data (class)" : "data", .markers = true, .line = false, .colour = 0};
  for (std::size_t r = 0; r < points_.rows(); ++r) data.x.push_back(points_(r, 0)), data.y.push_back(points_(r, 1));
  std::vector<Series> series = {data, Series{.name = "model", .colour = 1}};
  // A wild early curve must not squash the data: values are held within a span around the targets.
  const double span = target_high_ - target_low_;
  for (const auto& curve : curves_) {
    Series s{.colour = 1, .group = "frame"};
    s.x = curve_x_;
    for (double v : curve) s.y.push_back(std::clamp(v, target_low_ - span, target_high_ + span));
    series.push_back(std::move(s));
  }
  return inline_svg(line_chart_svg(series, {title, "x", "y", false, 680, 440}));
}

// ---------------------------------------------------------------- the train report

HtmlReport::HtmlReport(std::filesystem::path path, ReportContext context, std::unique_ptr<ModelView> model)
    : path_(std::move(path)), context_(std::move(context)), model_(std::move(model)), fit_(*model_) {
  check_writable(path_, "report file");
}

HtmlReport::~HtmlReport() = default;

void HtmlReport::snapshot(const std::string& label) {
  fit_.snapshot(*model_, label);
  if (fit_.frames() > kMaxFrames) {
    fit_.thin();
    snapshot_every_ *= 2;
  }
}

void HtmlReport::on_start(const RunInfo& info) {
  info_ = info;
  start_weights_ = model_->layer_weights();
  snapshot("epoch " + std::to_string(info.first_epoch - 1));
  write();
}

void HtmlReport::on_before_training(const EpochReport& initial) {
  history_.push_back(initial);
  latest_ = initial;
  // The console's warnings see the epoch-0 row too: units dead from the start, and the loss epoch 1 is compared to.
  for (const std::string& warning : epoch_warnings_.check(initial)) warnings_.emplace_back(initial.epoch, warning);
}

void HtmlReport::on_epoch(const EpochReport& report) {
  latest_ = report;
  if (report.epoch % history_every_ == 0) history_.push_back(report);
  if (history_.size() > kMaxCurvePoints) {
    history_every_ *= 2;
    std::erase_if(history_, [&](const EpochReport& r) { return r.epoch % history_every_ != 0; });
  }
  for (const std::string& warning : epoch_warnings_.check(report))  // as the console says them
    warnings_.emplace_back(report.epoch, warning);
  if (report.epoch % snapshot_every_ == 0) snapshot("epoch " + std::to_string(report.epoch));
  if (std::chrono::steady_clock::now() - last_write_ >= kWriteInterval) write();
}

void HtmlReport::on_end(const RunSummary& summary) {
  const std::size_t epoch = latest_ ? latest_->epoch : info_.first_epoch - 1;
  if (summary.stopped_early) {
    end_ = RunEnd::stopped_early;
    end_text_ = "stopped early at epoch " + std::to_string(epoch) + ": the validation loss had not improved since epoch " +
                std::to_string(summary.best_epoch) + ", whose weights were kept";
    snapshot("epoch " + std::to_string(summary.best_epoch) + " (kept)");
  } else if (summary.interrupted) {
    end_ = RunEnd::interrupted;
    end_text_ = "interrupted after epoch " + std::to_string(epoch) + " of " + std::to_string(info_.epochs);
  } else {
    end_ = RunEnd::finished;
    end_text_ = "finished: " + std::to_string(epoch) + " epochs";
  }
  if (fit_.labels().empty() || fit_.labels().back() != "epoch " + std::to_string(epoch)) {
    if (!summary.stopped_early) snapshot("epoch " + std::to_string(epoch));
  }
  end_weights_ = model_->layer_weights();
  const DataSplits& data = model_->data();
  if (!data.schema.class_names.empty()) {
    const auto& [set, name] = data.test.size()         ? std::pair{&data.test, "test"}
                              : data.validation.size() ? std::pair{&data.validation, "validation"}
                                                       : std::pair{&data.train, "training"};
    confusion_ = model_->evaluate(*set);
    confusion_set_ = name;
  }
  write();
}

void HtmlReport::fail(const std::string& message) {
  end_ = RunEnd::failed;
  end_text_ = "stopped by an error: " + message;
  try {
    end_weights_ = model_->layer_weights();
    write();
  } catch (const std::exception&) {
    // The run's own error is the one to report; a page that cannot be written adds nothing to it.
  }
}

void HtmlReport::write() {
  write_report(path_, html());
  last_write_ = std::chrono::steady_clock::now();
}

std::vector<EpochReport> HtmlReport::drawn_epochs() const {
  std::vector<EpochReport> epochs = history_;
  if (latest_ && (epochs.empty() || epochs.back().epoch != latest_->epoch)) epochs.push_back(*latest_);
  return epochs;
}

namespace {

// The run: what was trained on what, how, and where.
std::string run_section(const ReportContext& context, const ModelView& model, const RunInfo& info) {
  const Config& config = model.config();
  std::ostringstream body;
  body << "<section id='run'><h2>Run</h2>\n<table class='facts'>\n"
       << facts_row("command", "<code>" + escape(context.command_line) + "</code>")
       << facts_row("data", escape(data_description(model.data())))
       << facts_row("model", escape(model.describe() + ", " + std::to_string(info.parameters) + " parameters, init " +
                                    name_of(config.init) + "; loss " + name_of(config.loss)))
       << facts_row("training", escape(training_description(config)))
       << facts_row("dtype, seed", escape(name_of(config.dtype) + ", seed " + std::to_string(config.seed)))
       << facts_row("nnlab", escape(std::string("version ") + NNLAB_VERSION))
       << facts_row("machine", escape(context.machine)) << "</table>\n"
       << config_details(config) << "</section>\n";
  return body.str();
}

// Loss (with data loss and penalty when a penalty is on), accuracy and learning rate over the epochs.
std::string curves_section(const std::vector<EpochReport>& history) {
  Series loss{.name = "training loss"}, validation{.name = "validation loss"}, data_loss{.name = "data loss"},
      penalty{.name = "penalty"}, accuracy{.name = "training"},
      validation_accuracy{.name = "validation"}, learning_rate{.name = "learning rate"};
  data_loss.dashed = penalty.dashed = true;
  bool penalised = false;
  for (const EpochReport& r : history) {
    const double x = double(r.epoch);
    loss.x.push_back(x), loss.y.push_back(r.loss);
    data_loss.x.push_back(x), data_loss.y.push_back(r.data_loss);
    penalty.x.push_back(x), penalty.y.push_back(r.penalty);
    penalised = penalised || r.penalty != 0;
    if (r.validation_loss) validation.x.push_back(x), validation.y.push_back(*r.validation_loss);
    if (r.train_accuracy) accuracy.x.push_back(x), accuracy.y.push_back(*r.train_accuracy);
    if (r.validation_accuracy) validation_accuracy.x.push_back(x), validation_accuracy.y.push_back(*r.validation_accuracy);
    learning_rate.x.push_back(x), learning_rate.y.push_back(r.learning_rate);
  }
  std::vector<Series> losses = {loss};
  if (!validation.x.empty()) losses.push_back(validation);
  if (penalised) losses.insert(losses.end(), {data_loss, penalty});
  std::ostringstream body;
  body << "<section id='curves'><h2>Loss, accuracy and learning rate" << scale_toggle(true) << "</h2>\n<div class='charts'>\n"
       << scaled_chart(losses, {"Loss per epoch", "epoch", "loss", false, 680, 380});
  if (!accuracy.x.empty()) {
    std::vector<Series> accuracies = {accuracy};
    if (!validation_accuracy.x.empty()) accuracies.push_back(validation_accuracy);
    body << chart(in_percent(accuracies), {"Accuracy per epoch", "epoch", "accuracy (%)", false, 680, 380});
  }
  body << scaled_chart({learning_rate}, {"Learning rate per epoch", "epoch", "learning rate", false, 680, 380})
       << "</div></section>\n";
  return body.str();
}

// What the model computes over its data, epoch by epoch.
std::string fit_section(const FitPicture& fit, const ModelView& model) {
  if (!fit.drawable() || !fit.frames()) return "";
  const DataSplits& data = model.data();
  const bool plane = data.schema.features.size() == 2;
  const bool classifier = !data.schema.class_names.empty();
  std::ostringstream body;
  body << "<section id='fit'><h2>"
       << (plane ? (classifier ? "Decision boundary" : "Regression surface") : "Fitted curve") << "</h2>\n"
       << "<p class='note'>The model's "
       << (plane ? (classifier ? "predicted class over the plane (paler where it is less sure)"
                               : "output over the plane")
                 : "output over the input")
       << " with the training points, at a set of epochs: move the slider to watch it learn.</p>\n"
       << frames_box(fit.svg((plane ? "Prediction of " : "Fit of ") + model.shape()),
                     fit.labels())
       << "</section>\n";
  return body.str();
}

std::string confusion_section(const Evaluation& confusion, const std::string& set,
                              const std::vector<std::string>& class_names) {
  std::ostringstream body;
  body << "<section id='confusion'><h2>Confusion matrix</h2>\n<p class='note'>" << escape(set)
       << " set, " << confusion.samples << " samples"
       << (confusion.accuracy ? ", accuracy " + fixed("%.2f%%", 100 * *confusion.accuracy) : "")
       << "; rows: true class, columns: predicted class.</p>\n"
       << confusion_table(confusion, class_names) << "</section>\n";
  return body.str();
}

// One neuron is an equation.
std::string equation_section(ModelView& model, bool running) {
  const DataSplits& data = model.data();
  if (model.layers() != 1 || model.outputs() != 1 || data.schema.features.size() > kMaxEquationInputs) return "";
  const std::vector<double> neuron = model.first_neuron();
  // "w · x" with no-break spaces: a long sum wraps only between its terms, never inside one.
  const std::string times = "\u00A0·\u00A0";
  std::string sum;
  for (std::size_t i = 0; i + 1 < neuron.size(); ++i)
    sum += fixed("%.6g", neuron[i]) + times + (neuron.size() == 2 ? "x" : data.schema.features[i]) + " + ";
  sum += fixed("%.6g", neuron.back());
  const ActivationKind activation = model.config().layers.back().activation.kind;
  std::ostringstream body;
  body << "<section id='equation'><h2>The neuron's equation</h2>\n<p class='equation'>y = "
       << escape(activation == ActivationKind::linear ? sum : name_of(activation) + "(" + sum + ")") << "</p>\n<p class='note'>"
       << (running ? "as the weights stand now" : "the weights at the end") << "</p></section>\n";
  return body.str();
}

// Layer i's diagnostics over the epochs, one series each.
struct LayerCurves {
  Series dead, saturated, zero, mean, gradient, update;
};

LayerCurves layer_curves(const std::vector<EpochReport>& history, std::size_t i) {
  const std::string name = "layer " + std::to_string(i) + " (" + name_of(history.back().layers[i].activation) + ")";
  const std::string short_name = "layer " + std::to_string(i);
  LayerCurves c{.dead = {.name = short_name + " dead", .colour = int(i)},
                .saturated = {.name = short_name + " saturated", .colour = int(i)},
                .zero = {.name = short_name + " zero weights", .colour = int(i)},
                .mean = {.name = name, .colour = int(i)}, .gradient = {.name = name, .colour = int(i)},
                .update = {.name = name, .colour = int(i)}};
  c.zero.dashed = true;
  for (const EpochReport& r : history) {
    if (i >= r.layers.size()) continue;
    const LayerDiagnostics& d = r.layers[i];
    const double x = double(r.epoch);
    if (d.dead_fraction) c.dead.x.push_back(x), c.dead.y.push_back(*d.dead_fraction);
    if (d.saturated_fraction) c.saturated.x.push_back(x), c.saturated.y.push_back(*d.saturated_fraction);
    c.zero.x.push_back(x), c.zero.y.push_back(d.weights ? double(d.zero_weights) / double(d.weights) : 0);
    c.mean.x.push_back(x), c.mean.y.push_back(d.activation_mean);
    c.mean.low.push_back(d.activation_mean - d.activation_std), c.mean.high.push_back(d.activation_mean + d.activation_std);
    c.gradient.x.push_back(x), c.gradient.y.push_back(d.gradient_norm);
    c.update.x.push_back(x), c.update.y.push_back(d.update_ratio);
  }
  return c;
}

// With --diagnostics: dead and saturated units, zero weights, activations, gradient norms and update sizes per layer.
std::string diagnostics_charts(const std::vector<EpochReport>& history) {
  std::vector<Series> shares, activations, gradients, updates;
  const std::size_t layers = history.empty() ? 0 : history.back().layers.size();
  for (std::size_t i = 0; i < layers; ++i) {
    const LayerCurves c = layer_curves(history, i);
    for (const Series* s : {&c.dead, &c.saturated})
      if (!s->x.empty()) shares.push_back(*s);
    if (std::any_of(c.zero.y.begin(), c.zero.y.end(), [](double v) { return v > 0; })) shares.push_back(c.zero);
    activations.push_back(c.mean), gradients.push_back(c.gradient), updates.push_back(c.update);
  }
  std::ostringstream body;
  body << "<div class='charts'>\n"
       << chart(shares, {"Dead and saturated units, zero weights (share)", "epoch", "share of the layer", false, 620,
                         380})
       << chart(activations, {"Activation mean ± one standard deviation", "epoch", "activation", false, 680, 380})
       << chart(gradients, {"Weight-gradient norm |dW| (a fan of lines: vanishing gradients)", "epoch",
                            "|dW| (log scale)", true, 680, 380})
       << chart(updates, {"Update-to-weight ratio |ΔW| / |W| per step", "epoch", "ratio (log scale)", true, 680, 380})
       << "</div>\n";
  return body.str();
}

// Diagnostics over epochs (or how to turn them on), and the run's warnings.
std::string diagnostics_section(const std::vector<EpochReport>& history, bool diagnostics,
                                const std::vector<std::pair<std::size_t, std::string>>& warnings) {
  std::ostringstream body;
  body << "<section id='diagnostics'><h2>Inside the layers</h2>\n";
  if (!diagnostics) {
    body << "<p class='note'>Run with <code>--diagnostics</code> to see dead and saturated units, activations, "
            "gradient norms and update sizes per layer over the epochs here.</p>\n";
  } else {
    body << diagnostics_charts(history);
  }
  if (!warnings.empty()) {
    body << "<h3>Warnings</h3>\n<ul>\n";
    for (const auto& [at, text] : warnings)
      body << "<li class='warning'>epoch " << at << ": " << escape(text) << "</li>\n";
    body << "</ul>\n";
  }
  body << "</section>\n";
  return body.str();
}

}  // namespace

std::string HtmlReport::html() const {
  const std::vector<EpochReport> history = drawn_epochs();
  const Config& config = model_->config();
  const std::string config_name = config.source.filename().string();
  const std::size_t epoch = history.empty() ? info_.first_epoch - 1 : history.back().epoch;
  const std::string status = end_ == RunEnd::running
                                 ? "training: epoch " + std::to_string(epoch) + " of " + std::to_string(config.epochs)
                                 : end_text_;
  std::string body = run_section(context_, *model_, info_) + curves_section(history) + fit_section(fit_, *model_);
  if (confusion_) body += confusion_section(*confusion_, confusion_set_, model_->data().schema.class_names);
  body += equation_section(*model_, end_ == RunEnd::running);
  body += diagnostics_section(history, info_.diagnostics, warnings_);
  body += weights_section(start_weights_, end_weights_, model_->shape());
  return page("nnlab report: " + config_name, end_, status, body);
}

// ---------------------------------------------------------------- the compare report

namespace {

// Each run's curve of one quantity (its losses or accuracies per seed): the mean over its seeds, with a band from the
// lowest to the highest when there are several.
std::vector<Series> overlaid(const std::vector<CompareRun>& runs,
                             std::vector<std::vector<double>> CompareRun::*member) {
  std::vector<Series> series;
  for (const CompareRun& run : runs) {
    const auto& per_seed = run.*member;
    std::size_t epochs = 0;
    for (const auto& values : per_seed) epochs = std::max(epochs, values.size());
    if (!epochs) continue;
    Series s{.name = run.name + (per_seed.size() > 1 ? " (" + std::to_string(per_seed.size()) + " seeds)" : "")};
    s.colour = int(&run - runs.data());
    for (std::size_t e = 0; e < epochs; ++e) {
      double sum = 0, low = INFINITY, high = -INFINITY;
      std::size_t count = 0;
      for (const auto& values : per_seed)
        if (e < values.size()) sum += values[e], low = std::min(low, values[e]), high = std::max(high, values[e]), ++count;
      s.x.push_back(double(e + 1)), s.y.push_back(sum / double(count));
      if (per_seed.size() > 1) s.low.push_back(low), s.high.push_back(high);
    }
    series.push_back(std::move(s));
  }
  return series;
}

std::string comparison_facts(const CompareReport& report) {
  std::ostringstream body;
  body << "<section id='run'><h2>Comparison</h2>\n<table class='facts'>\n"
       << facts_row("command", "<code>" + escape(report.context.command_line) + "</code>")
       << facts_row("runs", escape(std::to_string(report.runs.size()) + " of " + std::to_string(report.runs_planned) +
                                   " done"))
       << facts_row("nnlab", escape(std::string("version ") + NNLAB_VERSION))
       << facts_row("machine", escape(report.context.machine)) << "</table>\n"
       << "<details><summary>config as run (before each run's activation is set)</summary><pre>"
       << escape(report.config_json) << "</pre></details>\n</section>\n";
  return body.str();
}

std::string comparison_curves(const CompareReport& report) {
  const std::vector<Series> losses = overlaid(report.runs, &CompareRun::losses),
                            accuracies = overlaid(report.runs, &CompareRun::accuracies);
  std::ostringstream body;
  body << "<section id='curves'><h2>Training curves" << scale_toggle(false) << "</h2>\n<div class='charts'>\n"
       << scaled_chart(losses, {"Training loss per epoch", "epoch", "loss", false, 680, 380});
  if (!accuracies.empty())
    body << chart(in_percent(accuracies), {"Accuracy per epoch", "epoch", "accuracy (%)", false, 680, 380});
  body << "</div></section>\n";
  return body.str();
}

// The summary table, and each run's decision boundary or fitted curve side by side.
std::string comparison_results(const CompareReport& report) {
  std::ostringstream body;
  body << "<section id='summary'><h2>Summary</h2>\n<table class='grid'><tr>";
  for (const auto& cell : report.table_header) body << "<th>" << escape(cell) << "</th>";
  body << "</tr>\n";
  for (const auto& row : report.table_rows) {
    body << "<tr>";
    for (const auto& cell : row) body << "<td>" << escape(cell) << "</td>";
    body << "</tr>\n";
  }
  body << "</table>\n</section>\n";
  bool pictures = false;
  for (const CompareRun& run : report.runs) pictures = pictures || !run.picture_svg.empty();
  if (pictures) {
    body << "<section id='fit'><h2>What each run learned</h2>\n<div class='charts'>\n";
    for (const CompareRun& run : report.runs)
      if (!run.picture_svg.empty()) body << "<div class='chart'>" << run.picture_svg << "</div>\n";
    body << "</div></section>\n";
  }
  return body.str();
}

}  // namespace

std::string compare_report_html(const CompareReport& report) {
  const std::string status =
      report.end == RunEnd::running
          ? "training: run " + std::to_string(std::min(report.runs.size() + 1, report.runs_planned)) + " of " +
                std::to_string(report.runs_planned)
          : report.end_text;
  return page("nnlab compare: " + report.title, report.end, status,
              comparison_facts(report) + comparison_curves(report) + comparison_results(report));
}

void write_report(const std::filesystem::path& path, const std::string& html) {
  replace_file(path, html, "report file");
}

}  // namespace nnlab
