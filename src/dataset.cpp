#include "nnlab/dataset.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

#include "nnlab/thread_pool.hpp"

namespace nnlab {

Dataset::Dataset(Tensor<double> inputs, Tensor<double> targets)
    : features_(inputs.cols()), values_(inputs.values().begin(), inputs.values().end()), targets_(std::move(targets)) {
  assert(inputs.rows() == targets_.rows());
}

Dataset::Dataset(std::vector<std::uint8_t> bytes, std::size_t features, Tensor<double> targets)
    : features_(features), bytes_(std::move(bytes)), targets_(std::move(targets)) {
  assert(bytes_.size() == features_ * targets_.rows());
}

template <typename T>
void Dataset::copy_row(std::size_t row, T* out) const {
  // Four plain loops rather than one with branches inside: this runs for every sample of every batch.
  const std::size_t n = features_;
  const double* shift = normalization_.shift.data();
  const double* scale = normalization_.scale.data();
  if (bytes_.empty()) {
    const double* in = values_.data() + row * n;
    if (normalization_.shift.empty())
      for (std::size_t c = 0; c < n; ++c) out[c] = T(in[c]);
    else
      for (std::size_t c = 0; c < n; ++c) out[c] = T((in[c] - shift[c]) * scale[c]);
  } else {
    const std::uint8_t* in = bytes_.data() + row * n;
    constexpr T kByteScale = T(1.0 / 255);
    if (normalization_.shift.empty())
      for (std::size_t c = 0; c < n; ++c) out[c] = T(in[c]) * kByteScale;
    else
      for (std::size_t c = 0; c < n; ++c) out[c] = T((in[c] * (1.0 / 255) - shift[c]) * scale[c]);
  }
}

namespace {

// Rows are formed this many at a time, and by the products' threads (thread_pool.hpp) once a batch has at least
// kThreadedValues input values: each row is copied on its own, so which thread copies it changes nothing. Forming a
// Fashion-MNIST batch of 64 (50,176 values) was 6.6% of a step, serial, and the helper thread fell asleep during it.
constexpr std::size_t kRowsPerChunk = 8, kThreadedValues = std::size_t(1) << 14;

}  // namespace

template <typename T>
void Dataset::form_batch(std::size_t count, std::span<const std::size_t> rows, std::size_t first, Tensor<T>& inputs,
                         Tensor<T>& targets) const {
  inputs.resize(count, features_);
  targets.resize(count, targets_.cols());
  auto copy_rows = [&](std::size_t chunk) {
    for (std::size_t i = chunk * kRowsPerChunk; i < std::min(count, (chunk + 1) * kRowsPerChunk); ++i) {
      const std::size_t row = rows.empty() ? first + i : rows[i];
      copy_row(row, inputs.row(i));
      for (std::size_t c = 0; c < targets_.cols(); ++c) targets(i, c) = T(targets_(row, c));
    }
  };
  const int helpers = count * features_ >= kThreadedValues ? max_threads() - 1 : 0;
  parallel_for((count + kRowsPerChunk - 1) / kRowsPerChunk, helpers, copy_rows);
}

template <typename T>
void Dataset::gather(std::span<const std::size_t> rows, Tensor<T>& inputs, Tensor<T>& targets) const {
  form_batch(rows.size(), rows, 0, inputs, targets);
}

template <typename T>
void Dataset::gather_range(std::size_t first, std::size_t count, Tensor<T>& inputs, Tensor<T>& targets) const {
  form_batch(count, {}, first, inputs, targets);
}

Dataset Dataset::subset(std::span<const std::size_t> rows) const {
  Dataset result;
  result.features_ = features_;
  result.normalization_ = normalization_;
  gather_rows(targets_, rows, result.targets_);
  auto pick = [&](const auto& source, auto& destination) {
    destination.resize(rows.size() * features_);
    for (std::size_t i = 0; i < rows.size(); ++i)
      std::copy_n(source.begin() + rows[i] * features_, features_, destination.begin() + i * features_);
  };
  if (bytes_.empty())
    pick(values_, result.values_);
  else
    pick(bytes_, result.bytes_);
  return result;
}

Normalization fit_normalization(const Dataset& data, NormalizationKind kind) {
  Normalization result;
  result.kind = kind;
  if (kind == NormalizationKind::none) return result;
  const std::size_t n = data.size(), features = data.features();
  result.shift.assign(features, 0);
  result.scale.assign(features, 1);
  for (std::size_t c = 0; c < features; ++c) {
    double spread = 0;
    if (kind == NormalizationKind::standard) {  // x' = (x − mean) / standard deviation
      double sum = 0;
      for (std::size_t r = 0; r < n; ++r) sum += data.input(r, c);
      const double mean = sum / double(n);
      double squares = 0;
      for (std::size_t r = 0; r < n; ++r) squares += (data.input(r, c) - mean) * (data.input(r, c) - mean);
      result.shift[c] = mean;
      spread = std::sqrt(squares / double(n));
    } else {  // minmax: x' = (x − min) / (max − min), into [0, 1]
      double low = data.input(0, c), high = low;
      for (std::size_t r = 1; r < n; ++r) {
        low = std::min(low, data.input(r, c));
        high = std::max(high, data.input(r, c));
      }
      result.shift[c] = low;
      spread = high - low;
    }
    result.scale[c] = spread > 0 ? 1 / spread : 1;  // a constant feature stays constant (and zero)
  }
  return result;
}

template void Dataset::gather<float>(std::span<const std::size_t>, Tensor<float>&, Tensor<float>&) const;
template void Dataset::gather<double>(std::span<const std::size_t>, Tensor<double>&, Tensor<double>&) const;
template void Dataset::gather_range<float>(std::size_t, std::size_t, Tensor<float>&, Tensor<float>&) const;
template void Dataset::gather_range<double>(std::size_t, std::size_t, Tensor<double>&, Tensor<double>&) const;

}  // namespace nnlab
