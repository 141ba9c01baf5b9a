// Elementwise work over every parameter of a model (the optimizer's update, the tripwire's check), shared by the
// matrix products' threads (thread_pool.hpp) in spans of kParameterSpan elements counted across all parameters.
// Each element gets the same arithmetic whichever thread takes its span, so results are the same bits for any thread
// count. Under kThreadedParameters elements (every small network) it all runs on the calling thread. The spans are
// short (about 2 µs of the update) so that the threads finish within a few microseconds of each other: one left
// without work spins only kSpinMicroseconds before it sleeps, and waking it for the next product cost more than the
// update itself gained (+6% samples/s at 2 threads with 8K spans instead of 32K, docs/performance.md).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "nnlab/parameter.hpp"
#include "nnlab/thread_pool.hpp"

namespace nnlab {

inline constexpr std::size_t kParameterSpan = std::size_t(1) << 13, kThreadedParameters = std::size_t(1) << 17;

// body(k, begin, end) for every parameter k and range [begin, end) of its elements, in spans.
template <typename T, typename Body>
void for_parameter_spans(const std::vector<Parameter<T>*>& parameters, const Body& body) {
  std::size_t total = 0;
  for (const Parameter<T>* p : parameters) total += p->value.size();
  auto span = [&](std::size_t s) {
    const std::size_t first = s * kParameterSpan, last = std::min(total, first + kParameterSpan);
    std::size_t offset = 0;
    for (std::size_t k = 0; k < parameters.size() && offset < last; ++k) {
      const std::size_t n = parameters[k]->value.size();
      const std::size_t begin = std::max(first, offset), end = std::min(last, offset + n);
      if (begin < end) body(k, begin - offset, end - offset);
      offset += n;
    }
  };
  parallel_for((total + kParameterSpan - 1) / kParameterSpan, total >= kThreadedParameters ? max_threads() - 1 : 0,
               span);
}

}  // namespace nnlab
