// Batched similarity: the LibTorch reference against a plain double-precision loop, and the
// fused CUDA kernel against the reference (on a machine with a CUDA device).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

#include "kernels/projections.h"

using hspace::kernels::Similarity;
using hspace::kernels::similarity;
using hspace::kernels::similarity;

namespace {

double naive_score(const torch::Tensor& a, const torch::Tensor& b, int64_t i, int64_t j, Similarity kind) {
  auto ai = a[i].to(torch::kFloat64), bj = b[j].to(torch::kFloat64);
  double dot = (ai * bj).sum().item<double>();
  double na = ai.norm().item<double>(), nb = bj.norm().item<double>();
  if (kind == Similarity::Dot) return dot;
  if (kind == Similarity::Projection) return nb > 0 ? dot / nb : 0.0;
  return na > 0 && nb > 0 ? dot / (na * nb) : 0.0;
}

}  // namespace

TEST(Projections, ReferenceMatchesPlainLoopForEveryKind) {
  torch::manual_seed(3);
  auto a = torch::randn({7, 33});
  auto b = torch::randn({5, 33}) * 4;
  b[2].zero_();  // a zero reference row scores 0, not NaN
  for (auto kind : {Similarity::Cosine, Similarity::Projection, Similarity::Dot}) {
    auto out = similarity(a, b, kind, /*top_k=*/0);
    ASSERT_EQ(out.scores.sizes(), (torch::IntArrayRef{7, 5}));
    EXPECT_FALSE(out.topk_values.defined());
    for (int64_t i = 0; i < 7; ++i) {
      for (int64_t j = 0; j < 5; ++j) {
        EXPECT_NEAR(out.scores[i][j].item<double>(), naive_score(a, b, i, j, kind), 1e-4) << i << "," << j;
      }
    }
  }
}

TEST(Projections, TopKIsSortedAndPointsAtTheScores) {
  torch::manual_seed(4);
  auto a = torch::randn({6, 16});
  auto b = torch::randn({40, 16});
  auto out = similarity(a, b, Similarity::Cosine, /*top_k=*/5);
  ASSERT_EQ(out.topk_values.sizes(), (torch::IntArrayRef{6, 5}));
  auto sorted = std::get<0>(out.scores.sort(/*dim=*/1, /*descending=*/true));
  EXPECT_TRUE(torch::equal(out.topk_values, sorted.narrow(1, 0, 5)));
  EXPECT_TRUE(torch::equal(out.scores.gather(1, out.topk_indices), out.topk_values));
}

TEST(Projections, MismatchedWidthsNameBothShapes) {
  try {
    similarity(torch::ones({2, 3}), torch::ones({2, 4}), Similarity::Dot, 0);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2, 4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(similarity(torch::ones({2, 3}), torch::ones({4, 3}), Similarity::Dot, /*top_k=*/5), std::runtime_error);
}

#ifdef HSPACE_WITH_CUDA
using hspace::kernels::similarity_cuda;

// The kernel against the reference, for each input type and kind, with shapes that are not
// multiples of the tile and one zero row on each side.
TEST(ProjectionsCuda, FusedKernelMatchesReference) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device on this machine";
  torch::manual_seed(5);
  auto a = torch::randn({131, 1283});
  auto b = torch::randn({77, 1283});
  a[7].zero_();
  b[3].zero_();
  const std::pair<torch::ScalarType, double> types[] = {
      {torch::kFloat32, 1e-5}, {torch::kFloat16, 2e-3}, {torch::kBFloat16, 2e-2}};
  for (auto [type, tolerance] : types) {
    auto ad = a.to(torch::kCUDA).to(type), bd = b.to(torch::kCUDA).to(type);
    for (auto kind : {Similarity::Cosine, Similarity::Projection, Similarity::Dot}) {
      // The reference sees the same rounded inputs, so only the summation order differs.
      auto expected = similarity(ad.cpu(), bd.cpu(), kind, /*top_k=*/0).scores;
      auto got = similarity_cuda(ad, bd, kind, /*top_k=*/0).scores.cpu();
      auto scale = expected.abs().max().item<double>();
      EXPECT_LE((got - expected).abs().max().item<double>(), tolerance * scale)
          << c10::toString(type) << " kind " << static_cast<int>(kind);
    }
  }
}

TEST(ProjectionsCuda, FusedTopKMatchesReference) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device on this machine";
  torch::manual_seed(6);
  auto a = torch::randn({300, 64}, torch::kCUDA);
  auto b = torch::randn({1000, 64}, torch::kCUDA);
  for (int64_t k : {1, 7, 64}) {
    auto got = similarity_cuda(a, b, Similarity::Cosine, k);
    auto top = got.scores.topk(k, /*dim=*/1);
    EXPECT_TRUE(torch::equal(got.topk_values, std::get<0>(top))) << "k=" << k;
    EXPECT_TRUE(torch::equal(got.scores.gather(1, got.topk_indices), got.topk_values)) << "k=" << k;
  }
}
#endif
