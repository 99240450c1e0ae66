#include "kernels/projections.h"

#include <stdexcept>

#ifdef HSPACE_WITH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "kernels/projections_cuda.h"
#endif

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

SimilarityOutput similarity(const torch::Tensor& a, const torch::Tensor& b, Similarity kind, int64_t top_k) {
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

#ifdef HSPACE_WITH_CUDA
SimilarityOutput similarity_cuda(const torch::Tensor& a, const torch::Tensor& b, Similarity kind, int64_t top_k) {
  check(a, b, top_k);
  if (!a.is_cuda()) throw std::runtime_error("similarity_cuda: inputs must be on a CUDA device");
  // Both operands in one element type the kernel reads; anything else is computed in fp32.
  auto type = a.scalar_type() == b.scalar_type() ? a.scalar_type() : torch::kFloat32;
  if (type != torch::kFloat32 && type != torch::kFloat16 && type != torch::kBFloat16) type = torch::kFloat32;
  auto ac = a.to(type).contiguous();
  auto bc = b.to(type).contiguous();
  const int64_t n = ac.size(0), m = bc.size(0), d = ac.size(1);
  if (n == 0 || m == 0) return similarity(ac, bc, kind, top_k);  // a kernel grid cannot be empty
  const c10::cuda::CUDAGuard guard(ac.device());
  void* stream = c10::cuda::getCurrentCUDAStream(ac.device().index()).stream();
  auto f32 = ac.options().dtype(torch::kFloat32);
  auto inverse_norms_a = torch::empty({n}, f32);
  auto inverse_norms_b = torch::empty({m}, f32);
  SimilarityOutput out;
  out.scores = torch::empty({n, m}, f32);
  const auto element = type == torch::kFloat16    ? cuda::ElementType::Float16
                       : type == torch::kBFloat16 ? cuda::ElementType::BFloat16
                                                  : cuda::ElementType::Float32;
  cuda::similarity_scores(ac.data_ptr(), bc.data_ptr(), element, n, m, d, static_cast<int>(kind),
                          inverse_norms_a.data_ptr<float>(), inverse_norms_b.data_ptr<float>(),
                          out.scores.data_ptr<float>(), stream);
  if (top_k > cuda::kMaxTopK) {
    // The fused top-k rescans a row per rank; for large k a sort-based top-k is faster.
    auto top = out.scores.topk(top_k, /*dim=*/1);
    out.topk_values = std::get<0>(top);
    out.topk_indices = std::get<1>(top);
  } else if (top_k > 0) {
    out.topk_values = torch::empty({n, top_k}, f32);
    out.topk_indices = torch::empty({n, top_k}, ac.options().dtype(torch::kInt64));
    cuda::row_top_k(out.scores.data_ptr<float>(), n, m, top_k, out.topk_values.data_ptr<float>(),
                    out.topk_indices.data_ptr<int64_t>(), stream);
  }
  return out;
}
#endif

}  // namespace hspace::kernels
