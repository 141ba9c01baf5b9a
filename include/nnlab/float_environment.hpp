// The floating-point environment of a training step.
//
// Subnormal numbers (nonzero and below 1.2e-38 in float, 2.2e-308 in double) take a microcode assist on x86 that
// costs on the order of a hundred cycles per operation. Training makes them: a dead unit's momentum decays by μ each
// step until it sticks at the smallest subnormal (0.9 × 1.4e-45 rounds back to 1.4e-45), and every later update of
// that weight takes the slow path; the spiral benchmark ran at half speed because of it. While a FlushSubnormals
// lives, its thread reads subnormal inputs as zero and rounds subnormal results to zero (MXCSR's DAZ and FTZ bits, what
// torch.set_flush_denormal(True) sets). Values that small change no prediction; the run stays deterministic.
#pragma once

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace nnlab {

// The calling thread's floating-point control word (MXCSR on x86; 0 elsewhere), and setting it: the thread pool hands
// the caller's word to the threads that help it, so their arithmetic rounds exactly like the caller's.
inline unsigned float_control() {
#if defined(__SSE2__)
  return _mm_getcsr();
#else
  return 0;
#endif
}

inline void set_float_control(unsigned word) {
#if defined(__SSE2__)
  _mm_setcsr(word);
#else
  (void)word;
#endif
}

// Makes the calling thread round like a thread whose float_control() was `word` (the control bits only; the sticky
// exception flags stay this thread's own).
inline void adopt_float_control(unsigned word) {
  constexpr unsigned kControlBits = 0xffc0;
  const unsigned mine = float_control();
  if ((mine ^ word) & kControlBits) set_float_control((mine & ~kControlBits) | (word & kControlBits));
}

class FlushSubnormals {
 public:
  FlushSubnormals() : saved_(float_control()) {
#if defined(__SSE2__)
    set_float_control(saved_ | kFlushToZero | kDenormalsAreZero);
#endif
  }
  ~FlushSubnormals() { set_float_control(saved_); }
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;

 private:
  static constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
  unsigned saved_;
};

}  // namespace nnlab
