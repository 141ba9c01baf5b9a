#include <catch2/catch.hpp>
#include <vector>

#include "nnlab/gemm.hpp"
#include "nnlab/random.hpp"

using namespace nnlab;

namespace {

template <typename T>
void compare_with_reference(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, T alpha, T beta) {
  Rng rng(M * 1000 + N * 100 + K);
  // Stored shapes: A is M×K (or K×M when transposed), B is K×N (or N×K).
  const std::size_t lda = ta == Transpose::no ? K : M, ldb = tb == Transpose::no ? N : K;
  std::vector<T> A((ta == Transpose::no ? M : K) * lda), B((tb == Transpose::no ? K : N) * ldb), C(M * N);
  for (auto& v : A) v = T(rng.uniform(-1, 1));
  for (auto& v : B) v = T(rng.uniform(-1, 1));
  for (auto& v : C) v = T(rng.uniform(-1, 1));
  std::vector<T> expected = C;
  gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), N);
  gemm_reference(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, expected.data(), N);
  const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-13;
  for (std::size_t i = 0; i < C.size(); ++i)
    REQUIRE(double(C[i]) == Approx(double(expected[i])).margin(tolerance * (K + 1)));
}

}  // namespace

TEMPLATE_TEST_CASE("gemm matches the triple loop on awkward shapes", "[gemm]", float, double) {
  const std::vector<std::array<std::size_t, 3>> shapes = {{1, 1, 1}, {0, 3, 4}, {3, 0, 4}, {3, 4, 0}, {7, 13, 5},
                                                          {64, 1, 33}, {1, 97, 2}, {31, 37, 41}, {128, 3, 9}};
  for (auto ta : {Transpose::no, Transpose::yes})
    for (auto tb : {Transpose::no, Transpose::yes})
      for (const auto& [M, N, K] : shapes) {
        CAPTURE(int(ta), int(tb), M, N, K);
        compare_with_reference<TestType>(ta, tb, M, N, K, TestType(1), TestType(0));
        compare_with_reference<TestType>(ta, tb, M, N, K, TestType(0.5), TestType(2));
      }
}

TEST_CASE("gemm with beta = 0 ignores what C held, even NaN", "[gemm]") {
  const double A[2] = {1, 2}, B[2] = {3, 4};
  double C[1] = {std::numeric_limits<double>::quiet_NaN()};
  gemm(Transpose::no, Transpose::no, 1, 1, 2, 1.0, A, 2, B, 1, 0.0, C, 1);
  REQUIRE(C[0] == 11.0);
}
