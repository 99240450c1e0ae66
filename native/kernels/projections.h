// Batched similarity of h-vectors: N query rows against M reference rows of width D, as
// cosine similarity, scalar projection onto the references, or plain dot product, with an
// optional per-row top-k. The analyses call it for every score, and it runs on LibTorch on every
// device: the fused CUDA kernel (kernels/projections.cu: normalisation, products and top-k in one
// pass) agrees with it but took 1.8x as long as cuBLAS on an H200 (docs/BENCHMARKS.md), so it is
// reachable through similarity_cuda only, for its parity tests and similarity_bench.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace hspace::kernels {

enum class Similarity { Cosine, Projection, Dot };

struct SimilarityOutput {
  torch::Tensor scores;        // [N, M] float32
  torch::Tensor topk_values;   // [N, k] float32, descending; undefined when k == 0
  torch::Tensor topk_indices;  // [N, k] int64
};

/// `a` [N, D], `b` [M, D], any floating dtype, same device. Projection is a . b / |b|.
/// Zero-norm rows give 0 similarity rather than NaN. Throws naming the shapes when they differ.
/// LibTorch on every device (cuBLAS on CUDA); also the reference the CUDA kernel is checked against.
SimilarityOutput similarity(const torch::Tensor& a, const torch::Tensor& b, Similarity kind, int64_t top_k);

#ifdef HSPACE_WITH_CUDA
/// The fused CUDA kernel; a and b on one CUDA device, fp16, bf16 or fp32, accumulating in fp32.
SimilarityOutput similarity_cuda(const torch::Tensor& a, const torch::Tensor& b, Similarity kind, int64_t top_k);
#endif

}  // namespace hspace::kernels
