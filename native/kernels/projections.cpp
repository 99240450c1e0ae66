#include "kernels/projections.h"

#include <stdexcept>

namespace hspace::kernels {
namespace {

void check(const torch::Tensor& a, const torch::Tensor& b, int64_t top_k) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1)) {
    throw std::runtime_error("similarity: need a [N, D] and b [M, D] with one D, got " + c10::str(a.sizes()) +
                             " and " + c10::str(b.sizes()));
  }
  if (!a.is_floating_point() || !b.is_floating_point()) throw std::runtime_error("similarity: inputs must be floating point");
  if (a.device() != b.device()) throw std::runtime_error("similarity: inputs on different devices");
  if (top_k < 0 || top_k > b.size(0)) {
    throw std::runtime_error("similarity: top_k " + std::to_string(top_k) + " outside 0.." + std::to_string(b.size(0)));
  }
}

torch::Tensor inverse_norms(const torch::Tensor& x) {
  auto norms = x.norm(2, /*dim=*/1);                                          // [R]
  return torch::where(norms > 0, norms.reciprocal(), torch::zeros_like(norms));  // zero rows score 0
}

}  // namespace

SimilarityOutput similarity_reference(const torch::Tensor& a, const torch::Tensor& b, Similarity kind, int64_t top_k) {
  check(a, b, top_k);
  auto a32 = a.to(torch::kFloat32);
  auto b32 = b.to(torch::kFloat32);
  auto scores = torch::matmul(a32, b32.t());                                   // [N, M]
  if (kind != Similarity::Dot) scores = scores * inverse_norms(b32).unsqueeze(0);
  if (kind == Similarity::Cosine) scores = scores * inverse_norms(a32).unsqueeze(1);
  SimilarityOutput out;
  out.scores = scores;
  if (top_k > 0) {
    auto top = scores.topk(top_k, /*dim=*/1);
    out.topk_values = std::get<0>(top);                                        // [N, k]
    out.topk_indices = std::get<1>(top);
  }
  return out;
}

SimilarityOutput similarity(const torch::Tensor& a, const torch::Tensor& b, Similarity kind, int64_t top_k) {
#ifdef HSPACE_WITH_CUDA
  if (a.is_cuda()) {
    check(a, b, top_k);
    return similarity_cuda(a, b, kind, top_k);
  }
#endif
  return similarity_reference(a, b, kind, top_k);
}

}  // namespace hspace::kernels
