// SVG charts that open in any browser: line charts (loss curves, comparisons), the activation gallery, and the
// decision boundary of a 2-D classifier. Plain text output, no dependencies.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "nnlab/tensor.hpp"

namespace nnlab {

struct Series {
  std::string name{};
  std::vector<double> x{}, y{};
  bool dashed = false;
  bool markers = false;  // a dot at every point
  bool line = true;      // false: the dots alone (data points)
  std::vector<double> low{}, high{};  // when given: a shaded band from low to high around the line (a spread)
  int colour = -1;      // palette index; -1: the series' own position
  std::string group{};  // when given: the series is drawn in <g class='group'>, for a page's script to show or hide
};                      // a series without a name has no legend entry

struct ChartOptions {
  std::string title, x_label, y_label;
  bool log_y = false;  // a logarithmic y axis (non-positive values are left out)
  int width = 720, height = 440;
};

std::string line_chart_svg(const std::vector<Series>& series, const ChartOptions& options);

// Every activation f (solid) with its derivative f' (dashed), one small chart each, z from −4 to 4.
std::string activation_gallery_svg();

// The plane coloured by the predicted class (paler where the model is less sure), with the data on top.
// `predict` maps points (n, 2) to class probabilities (n, classes), all in one call.
struct BoundaryData {
  Tensor<double> points;               // (samples, 2)
  std::vector<std::size_t> labels;     // class of each point
  std::vector<std::string> class_names;
};
std::string decision_boundary_svg(const BoundaryData& data,
                                  const std::function<Tensor<double>(const Tensor<double>&)>& predict,
                                  const std::string& title);

// The plane [x_low, x_high] × [y_low, y_high] under one of several pictures (each a data: URI of a PNG whose top row
// is y_high, e.g. a model's prediction at one epoch), with the data points on top. Picture i is drawn in
// <g class='frame' data-frame='i'>, all but the last hidden, for a page's script to switch between them.
struct PlaneChart {
  std::string title;
  double x_low = 0, x_high = 1, y_low = 0, y_high = 1;
  std::vector<std::string> pictures;   // data:image/png;base64,...
  Tensor<double> points;               // (samples, 2)
  std::vector<std::size_t> labels;     // class of each point, for its colour; empty: all points dark
  std::vector<std::string> legend{};   // one entry per class
  int size = 480;
};
std::string plane_svg(const PlaneChart& chart);

// The colour a chart gives series or class i ("#1f77b4", ...), as red, green, blue.
std::array<unsigned char, 3> palette_rgb(std::size_t i);

}  // namespace nnlab
