#include "nnlab/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "nnlab/activations.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
const char* color(std::size_t i) { return kPalette[i % 10]; }

// "#rrggbb" at `opacity` over white, as one opaque colour.
std::string mixed_with_white(const char* hex, double opacity) {
  char mixed[8];
  unsigned rgb[3];
  std::sscanf(hex, "#%02x%02x%02x", &rgb[0], &rgb[1], &rgb[2]);
  for (unsigned& c : rgb) c = unsigned(std::lround(255 - (255 - double(c)) * opacity));
  std::snprintf(mixed, sizeof mixed, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return mixed;
}

std::string number(double v) { return formatted("%g", v); }

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// Tick positions at 1, 2 or 5 times a power of ten, about `count` of them, and at least three: a step that leaves
// two (an axis from -1 to 9.5 with steps of 5: 0 and 5) gives way to the next finer one (2: 0, 2, 4, 6, 8).
std::vector<double> nice_ticks(double low, double high, int count) {
  const double raw = (high - low) / count;
  const double power = std::pow(10, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) {
      step = m * power;
      break;
    }
  std::vector<double> ticks;
  for (int finer = 0; finer < 3; ++finer) {
    ticks.clear();
    for (double t = std::ceil(low / step) * step; t <= high + step * 1e-9; t += step)
      ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
    if (ticks.size() >= 3) break;
    const double p = std::pow(10, std::floor(std::log10(step) + 1e-9));  // step is 1, 2 or 5 times p
    const double m = std::round(step / p);
    step = m == 1 ? 0.5 * p : m == 2 ? p : 2 * p;
  }
  return ticks;
}

// The labelled values of a log axis from 10^low to 10^high, each with whether it is a minor line: every power of ten;
// where that makes fewer than three, 2 and 5 times each power too, then every 1 to 9 times; and where that still
// leaves fewer than three, evenly spaced values (0.65, 0.7, 0.75 on an axis from 0.62 to 0.76).
std::vector<std::pair<double, bool>> log_ticks(double low, double high) {
  std::vector<std::pair<double, bool>> ticks;
  const auto inside = [&](double v) { return v > 0 && std::log10(v) >= low - 1e-9 && std::log10(v) <= high + 1e-9; };
  for (double e = std::ceil(low - 1e-9); e <= high + 1e-9; ++e) ticks.push_back({std::pow(10, e), false});
  if (ticks.size() < 3)
    for (double e = std::floor(low); e <= high; ++e)
      for (double m : {2.0, 5.0})
        if (inside(m * std::pow(10, e))) ticks.push_back({m * std::pow(10, e), true});
  if (ticks.size() < 3) {  // within about a decade: every 1 to 9 times a power of ten
    ticks.clear();
    for (double e = std::floor(low); e <= high; ++e)
      for (int m = 1; m <= 9; ++m)
        if (inside(m * std::pow(10, e))) ticks.push_back({m * std::pow(10, e), m != 1});
  }
  if (ticks.size() < 3) {
    ticks.clear();
    for (double t : nice_ticks(std::pow(10, low), std::pow(10, high), 4))
      if (inside(t)) ticks.push_back({t, false});
  }
  std::sort(ticks.begin(), ticks.end());
  return ticks;
}

// A log axis's label, in one style for the whole axis: decimals ("0.05", "1", "20") when the axis stays within
// 0.001 to 10000, else powers of ten ("1e-5", "2e-5", "1e0").
std::string log_label(double value, double low, double high) {
  char buffer[32];
  if (low >= -3 - 1e-9 && high < 4) {
    std::snprintf(buffer, sizeof buffer, "%.4g", value);
    return buffer;
  }
  const double e = std::floor(std::log10(value) + 1e-9);
  const double m = value / std::pow(10, e);
  std::snprintf(buffer, sizeof buffer, "%.2ge%.0f", m, e);
  return buffer;
}

// One chart panel: maps data coordinates into a rectangle and draws axes, grid and ticks.
struct Panel {
  double left, top, width, height;
  double x_low, x_high, y_low, y_high;
  bool log_y = false;

  double px(double x) const { return left + (x - x_low) / (x_high - x_low) * width; }
  double py(double y) const {
    const double v = log_y ? std::log10(y) : y;
    return top + height - (v - y_low) / (y_high - y_low) * height;
  }

  void axes(std::ostringstream& svg, const std::string& x_label, const std::string& y_label, int font) const {
    svg << "<rect x='" << left << "' y='" << top << "' width='" << width << "' height='" << height
        << "' fill='white' stroke='#888'/>\n";
    for (double t : nice_ticks(x_low, x_high, 6)) {
      svg << "<line x1='" << px(t) << "' y1='" << top << "' x2='" << px(t) << "' y2='" << top + height
          << "' stroke='#eee'/>\n";
      svg << "<text x='" << px(t) << "' y='" << top + height + font + 2 << "' font-size='" << font
          << "' text-anchor='middle'>" << number(t) << "</text>\n";
    }
    std::size_t widest = 0;  // the y labels' characters, so that the axis title stays clear of them
    if (log_y) {
      for (const auto& [value, minor] : log_ticks(y_low, y_high)) {
        const double y = py(value);
        const std::string label = log_label(value, y_low, y_high);
        widest = std::max(widest, label.size());
        svg << "<line x1='" << left << "' y1='" << y << "' x2='" << left + width << "' y2='" << y << "' stroke='"
            << (minor ? "#f4f4f4" : "#eee") << "'/>\n<text x='" << left - 4 << "' y='" << y + font / 3
            << "' font-size='" << font << "' text-anchor='end'>" << label << "</text>\n";
      }
    } else {
      for (double t : nice_ticks(y_low, y_high, 5)) {
        widest = std::max(widest, number(t).size());
        svg << "<line x1='" << left << "' y1='" << py(t) << "' x2='" << left + width << "' y2='" << py(t)
            << "' stroke='#eee'/>\n<text x='" << left - 4 << "' y='" << py(t) + font / 3 << "' font-size='" << font
            << "' text-anchor='end'>" << number(t) << "</text>\n";
      }
    }
    if (x_low < 0 && x_high > 0)
      svg << "<line x1='" << px(0) << "' y1='" << top << "' x2='" << px(0) << "' y2='" << top + height
          << "' stroke='#bbb'/>\n";
    if (!log_y && y_low < 0 && y_high > 0)
      svg << "<line x1='" << left << "' y1='" << py(0) << "' x2='" << left + width << "' y2='" << py(0)
          << "' stroke='#bbb'/>\n";
    if (!x_label.empty())
      svg << "<text x='" << left + width / 2 << "' y='" << top + height + 2 * font + 8 << "' font-size='" << font
          << "' text-anchor='middle'>" << escape(x_label) << "</text>\n";
    // The rotated title's baseline: 3.2 font sizes left of the axis, or further when the labels are wider (a digit
    // is about 0.62 of the font size wide, plus a gap of 4 pixels either side).
    const double title_x = left - std::max(3.2 * font, 8 + 0.62 * font * double(widest));
    if (!y_label.empty())
      svg << "<text transform='translate(" << title_x << "," << top + height / 2
          << ") rotate(-90)' font-size='" << font << "' text-anchor='middle'>" << escape(y_label) << "</text>\n";
  }

  void polyline(std::ostringstream& svg, const std::vector<double>& x, const std::vector<double>& y,
                const char* stroke, bool dashed) const {
    svg << "<polyline fill='none' stroke='" << stroke << "' stroke-width='2'"
        << (dashed ? " stroke-dasharray='6 4'" : "") << " points='";
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (log_y && !(y[i] > 0)) continue;
      if (!std::isfinite(y[i])) continue;
      svg << px(x[i]) << ',' << py(y[i]) << ' ';
    }
    svg << "'/>\n";
  }
};

std::string header(int width, int height) {
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' viewBox='0 0 " << width << ' ' << height << "' font-family='sans-serif'>\n<rect width='" << width
      << "' height='" << height << "' fill='white'/>\n";
  return svg.str();
}

// Every series' points and bands (log10 of the values on a log axis) span the panel, padded 5% vertically; the
// legend's column on the right is as wide as its longest name (about 7.5 px a character at 13 px), so none is clipped.
Panel chart_panel(const std::vector<Series>& series, const ChartOptions& options) {
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  const auto include = [&](double x, double value) {
    if (!std::isfinite(value) || (options.log_y && !(value > 0))) return;
    const double y = options.log_y ? std::log10(value) : value;
    x_low = std::min(x_low, x), x_high = std::max(x_high, x);
    y_low = std::min(y_low, y), y_high = std::max(y_high, y);
  };
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      include(s.x[i], s.y[i]);
      if (i < s.low.size() && i < s.high.size()) include(s.x[i], s.low[i]), include(s.x[i], s.high[i]);
    }
  if (!std::isfinite(x_low)) x_low = 0, x_high = 1, y_low = 0, y_high = 1;
  if (x_high == x_low) x_high = x_low + 1;
  if (y_high == y_low) y_high = y_low + (options.log_y ? 1 : std::max(1.0, std::abs(y_low)));
  const double pad = (y_high - y_low) * 0.05;
  std::size_t longest = 0;
  for (const auto& s : series) longest = std::max(longest, s.name.size());
  const double legend_width = std::max(170.0, 56 + 7.5 * double(longest));
  return Panel{80, 50, options.width - 80 - legend_width, options.height - 110.0,
               x_low, x_high, options.log_y ? y_low - pad : std::min(0.0, y_low - pad), y_high + pad,
               options.log_y};
}

bool drawable(double v, bool log_y) { return std::isfinite(v) && (!log_y || v > 0); }

// A series' spread: a polygon along the top edge left to right, back along the bottom edge.
void draw_band(std::ostringstream& svg, const Panel& panel, const Series& s, const char* stroke) {
  const auto both = [&](std::size_t i) { return drawable(s.high[i], panel.log_y) && drawable(s.low[i], panel.log_y); };
  svg << "<polygon fill='" << stroke << "' fill-opacity='0.18' stroke='none' points='";
  for (std::size_t i = 0; i < s.x.size(); ++i)
    if (both(i)) svg << panel.px(s.x[i]) << ',' << panel.py(s.high[i]) << ' ';
  for (std::size_t i = s.x.size(); i-- > 0;)
    if (both(i)) svg << panel.px(s.x[i]) << ',' << panel.py(s.low[i]) << ' ';
  svg << "'/>\n";
}

void draw_series(std::ostringstream& svg, const Panel& panel, const Series& s, const char* stroke) {
  if (!s.group.empty()) svg << "<g class='" << escape(s.group) << "'>\n";
  if (!s.low.empty() && s.low.size() == s.x.size() && s.high.size() == s.x.size()) draw_band(svg, panel, s, stroke);
  if (s.line) panel.polyline(svg, s.x, s.y, stroke, s.dashed);
  if (s.markers)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.y[i], panel.log_y)) continue;
      svg << "<circle cx='" << panel.px(s.x[i]) << "' cy='" << panel.py(s.y[i]) << "' r='" << (s.line ? 4 : 3)
          << "' fill='" << stroke << "'/>\n";
    }
  if (!s.group.empty()) svg << "</g>\n";
}

// One row of the legend, right of the panel: the series' line (or marker) and its name.
void draw_legend_row(std::ostringstream& svg, const Panel& panel, const Series& s, const char* stroke,
                     std::size_t row) {
  const double y = 60 + 22 * double(row), x = panel.left + panel.width + 16;
  if (s.line)
    svg << "<line x1='" << x << "' y1='" << y << "' x2='" << x + 24 << "' y2='" << y << "' stroke='" << stroke
        << "' stroke-width='2'" << (s.dashed ? " stroke-dasharray='6 4'" : "") << "/>\n";
  else
    svg << "<circle cx='" << x + 12 << "' cy='" << y << "' r='4' fill='" << stroke << "'/>\n";
  svg << "<text x='" << x + 30 << "' y='" << y + 4 << "' font-size='13'>" << escape(s.name) << "</text>\n";
}

}  // namespace

std::string line_chart_svg(const std::vector<Series>& series, const ChartOptions& options) {
  const Panel panel = chart_panel(series, options);
  std::ostringstream svg;
  svg << header(options.width, options.height);
  svg << "<text x='" << options.width / 2 << "' y='28' font-size='18' text-anchor='middle'>" << escape(options.title)
      << "</text>\n";
  panel.axes(svg, options.x_label, options.y_label, 12);
  std::size_t legend_row = 0;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const char* stroke = color(s.colour >= 0 ? std::size_t(s.colour) : k);
    draw_series(svg, panel, s, stroke);
    if (!s.name.empty()) draw_legend_row(svg, panel, s, stroke, legend_row++);
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string activation_gallery_svg() {
  const auto& catalog = activation_catalog();
  const int columns = 4, cell_w = 250, cell_h = 210;
  const int rows = int((catalog.size() + columns - 1) / columns);
  const int width = columns * cell_w, height = rows * cell_h + 50;
  std::ostringstream svg;
  svg << header(width, height);
  svg << "<text x='" << width / 2 << "' y='28' font-size='18' text-anchor='middle'>Activations f(z) (solid) and "
      << "their derivatives f'(z) (dashed)</text>\n";
  constexpr int kPoints = 161;
  for (std::size_t k = 0; k < catalog.size(); ++k) {
    const ActivationInfo& info = catalog[k];
    // Softmax acts on a row: shown for the first of two logits (z, 0), i.e. the sigmoid of z.
    const bool softmax = info.kind == ActivationKind::softmax;
    // One row of 161 points (one "unit" each, for PReLU's per-unit slope); softmax: 161 rows of two logits.
    Tensor<double> Z = softmax ? Tensor<double>(kPoints, 2) : Tensor<double>(1, kPoints), A, dZ;
    const auto activation = make_activation<double>({info.kind}, "activation", Z.cols());
    std::vector<double> x(kPoints), f(kPoints), df(kPoints);
    for (int i = 0; i < kPoints; ++i) {
      x[i] = -4 + 8.0 * i / (kPoints - 1);
      if (softmax) Z(std::size_t(i), 0) = x[i];
      else Z[std::size_t(i)] = x[i];
    }
    activation->forward(Z, A);
    Tensor<double> ones(Z.rows(), Z.cols(), 0.0);
    for (std::size_t r = 0; r < Z.rows(); ++r) ones(r, 0) = 1;  // d f_0 / d z_0 for softmax, f' otherwise
    if (!softmax) ones.fill(1);
    activation->backward(Z, A, ones, dZ);
    for (int i = 0; i < kPoints; ++i) {
      f[i] = softmax ? A(std::size_t(i), 0) : A[std::size_t(i)];
      df[i] = softmax ? dZ(std::size_t(i), 0) : dZ[std::size_t(i)];
    }
    const double left = double(k % columns) * cell_w + 45, top = double(k / columns) * cell_h + 70;
    const double y_low = std::min({-1.0, *std::min_element(f.begin(), f.end())});
    const double y_high = std::max({1.5, *std::max_element(f.begin(), f.end())});
    const Panel panel{left, top, cell_w - 65.0, cell_h - 70.0, -4, 4, y_low, std::min(y_high, 4.5)};
    panel.axes(svg, "", "", 10);
    std::vector<double> fc(f), dfc(df);
    for (auto* v : {&fc, &dfc})
      for (double& y : *v) y = std::clamp(y, panel.y_low, panel.y_high);
    panel.polyline(svg, x, fc, color(0), false);
    panel.polyline(svg, x, dfc, color(1), true);
    svg << "<text x='" << left + panel.width / 2 << "' y='" << top - 8 << "' font-size='13' text-anchor='middle'>"
        << escape(name_of(info.kind) + (softmax ? " (of [z, 0])" : "")) << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string decision_boundary_svg(const BoundaryData& data,
                                  const std::function<Tensor<double>(const Tensor<double>&)>& predict,
                                  const std::string& title) {
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  for (std::size_t r = 0; r < data.points.rows(); ++r) {
    x_low = std::min(x_low, data.points(r, 0)), x_high = std::max(x_high, data.points(r, 0));
    y_low = std::min(y_low, data.points(r, 1)), y_high = std::max(y_high, data.points(r, 1));
  }
  const double mx = (x_high - x_low) * 0.08 + 1e-9, my = (y_high - y_low) * 0.08 + 1e-9;
  const int size = 560, legend = 170;
  const Panel panel{60, 50, double(size - 90), double(size - 90), x_low - mx, x_high + mx, y_low - my, y_high + my};
  std::ostringstream svg;
  svg << header(size + legend, size);
  svg << "<text x='" << (size + legend) / 2 << "' y='28' font-size='18' text-anchor='middle'>" << escape(title)
      << "</text>\n";
  panel.axes(svg, "x1", "x2", 12);
  constexpr int kCells = 100;
  const double cw = panel.width / kCells, ch = panel.height / kCells;
  Tensor<double> grid(kCells * kCells, 2);
  for (int i = 0; i < kCells; ++i)
    for (int j = 0; j < kCells; ++j) {
      grid(std::size_t(i * kCells + j), 0) = panel.x_low + (i + 0.5) / kCells * (panel.x_high - panel.x_low);
      grid(std::size_t(i * kCells + j), 1) = panel.y_low + (j + 0.5) / kCells * (panel.y_high - panel.y_low);
    }
  const Tensor<double> probabilities = predict(grid);
  for (int i = 0; i < kCells; ++i)
    for (int j = 0; j < kCells; ++j) {
      const double* p = probabilities.row(std::size_t(i * kCells + j));
      const std::size_t classes = probabilities.cols();
      const std::size_t best = std::size_t(std::max_element(p, p + classes) - p);
      // Opacity from 0.05 (a toss-up) to 0.5 (certain).
      const double chance = 1.0 / double(classes);
      const double opacity = 0.05 + 0.45 * std::clamp((p[best] - chance) / (1 - chance), 0.0, 1.0);
      // Opaque (the colour mixed with white): semi-transparent cells that overlap by the 0.3 px that hides the seams
      // between them drew a darker grid where they overlapped.
      svg << "<rect x='" << panel.left + i * cw << "' y='" << panel.top + panel.height - (j + 1) * ch << "' width='"
          << cw + 0.3 << "' height='" << ch + 0.3 << "' fill='" << mixed_with_white(color(best), opacity) << "'/>\n";
    }
  for (std::size_t r = 0; r < data.points.rows(); ++r)
    svg << "<circle cx='" << panel.px(data.points(r, 0)) << "' cy='" << panel.py(data.points(r, 1))
        << "' r='3' fill='" << color(data.labels[r]) << "' stroke='white' stroke-width='0.8'/>\n";
  for (std::size_t k = 0; k < data.class_names.size(); ++k)
    svg << "<circle cx='" << size + 10 << "' cy='" << 62 + 22 * k << "' r='6' fill='" << color(k)
        << "'/>\n<text x='" << size + 24 << "' y='" << 67 + 22 * k << "' font-size='13'>class "
        << escape(data.class_names[k]) << "</text>\n";
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace nnlab

namespace nnlab {

std::array<unsigned char, 3> palette_rgb(std::size_t i) {
  const char* hex = color(i) + 1;
  std::array<unsigned char, 3> rgb{};
  for (int c = 0; c < 3; ++c) rgb[c] = (unsigned char)std::stoi(std::string(hex + 2 * c, 2), nullptr, 16);
  return rgb;
}

std::string plane_svg(const PlaneChart& chart) {
  const int legend = chart.legend.empty() ? 20 : 150;
  const double side = chart.size - 90.0;
  const Panel panel{60, 50, side, side, chart.x_low, chart.x_high, chart.y_low, chart.y_high};
  std::ostringstream svg;
  svg << header(chart.size + legend, chart.size);
  svg << "<text x='" << (chart.size + legend) / 2 << "' y='28' font-size='16' text-anchor='middle'>"
      << escape(chart.title) << "</text>\n";
  panel.axes(svg, "x1", "x2", 12);
  for (std::size_t i = 0; i < chart.pictures.size(); ++i)
    svg << "<g class='frame' data-frame='" << i << "'" << (i + 1 < chart.pictures.size() ? " display='none'" : "")
        << "><image x='" << panel.left << "' y='" << panel.top << "' width='" << side << "' height='" << side
        << "' preserveAspectRatio='none' href='" << chart.pictures[i] << "'/></g>\n";
  for (std::size_t r = 0; r < chart.points.rows(); ++r)
    svg << "<circle cx='" << panel.px(chart.points(r, 0)) << "' cy='" << panel.py(chart.points(r, 1)) << "' r='2.5' fill='"
        << (chart.labels.empty() ? "#333" : color(chart.labels[r])) << "' stroke='white' stroke-width='0.6'/>\n";
  for (std::size_t k = 0; k < chart.legend.size(); ++k)
    svg << "<circle cx='" << chart.size + 10 << "' cy='" << 62 + 22 * k << "' r='6' fill='" << color(k)
        << "'/>\n<text x='" << chart.size + 24 << "' y='" << 67 + 22 * k << "' font-size='13'>"
        << escape(chart.legend[k]) << "</text>\n";
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace nnlab
