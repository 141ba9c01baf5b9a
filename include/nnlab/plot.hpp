// SVG charts that open in any browser: line charts (loss curves, comparisons), the activation gallery, and the
// decision boundary of a 2-D classifier. Plain text output, no dependencies.
#pragma once

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
};

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

}  // namespace nnlab
