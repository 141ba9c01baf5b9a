// A small row-major 2-D tensor. Batches are batch-first: one row per sample, one column per feature.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <span>
#include <vector>

namespace nnlab {

template <typename T>
class Tensor {
 public:
  Tensor() = default;
  Tensor(std::size_t rows, std::size_t cols, T fill = T(0)) : rows_(rows), cols_(cols), data_(rows * cols, fill) {}

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::span<T> values() { return data_; }
  std::span<const T> values() const { return data_; }

  T& operator()(std::size_t row, std::size_t col) {
    assert(row < rows_ && col < cols_);
    return data_[row * cols_ + col];
  }
  const T& operator()(std::size_t row, std::size_t col) const {
    assert(row < rows_ && col < cols_);
    return data_[row * cols_ + col];
  }
  T& operator[](std::size_t index) { return data_[index]; }
  const T& operator[](std::size_t index) const { return data_[index]; }

  T* row(std::size_t r) { return data_.data() + r * cols_; }
  const T* row(std::size_t r) const { return data_.data() + r * cols_; }

  // Changes the shape; the storage only grows, so a buffer reused for the same batch shape never reallocates.
  // Contents are unspecified afterwards: callers overwrite them.
  void resize(std::size_t rows, std::size_t cols) {
    rows_ = rows;
    cols_ = cols;
    data_.resize(rows * cols);
  }
  void fill(T value) { std::fill(data_.begin(), data_.end(), value); }

  friend bool operator==(const Tensor& a, const Tensor& b) {
    return a.rows_ == b.rows_ && a.cols_ == b.cols_ && a.data_ == b.data_;
  }

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<T> data_;
};

// Copies rows `indices` of `source` into `destination` (resized to indices.size() × source.cols()).
template <typename T>
void gather_rows(const Tensor<T>& source, std::span<const std::size_t> indices, Tensor<T>& destination) {
  destination.resize(indices.size(), source.cols());
  for (std::size_t i = 0; i < indices.size(); ++i)
    std::copy_n(source.row(indices[i]), source.cols(), destination.row(i));
}

// Converts element type, e.g. a float64 data set into a float32 training tensor.
template <typename To, typename From>
Tensor<To> tensor_cast(const Tensor<From>& source) {
  Tensor<To> result(source.rows(), source.cols());
  std::transform(source.data(), source.data() + source.size(), result.data(),
                 [](From v) { return static_cast<To>(v); });
  return result;
}

}  // namespace nnlab
