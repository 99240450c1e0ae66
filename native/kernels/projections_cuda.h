// Launchers of the fused similarity kernels (kernels/projections.cu). Plain pointers only, so
// that nvcc never parses LibTorch headers: kernels/projections.cpp owns the tensors, the device
// and the stream, and calls these with contiguous buffers.
#pragma once

#include <cstdint>

namespace hspace::kernels::cuda {

enum class ElementType { Float32, Float16, BFloat16 };

/// Scores [n, m] float32 of rows a [n, d] and b [m, d] (both `type`), accumulated in fp32.
/// `kind` is the value of kernels::Similarity (0 cosine, 1 projection, 2 dot). The row norms
/// are computed in the same launch sequence into `inverse_norms_a` [n] and `inverse_norms_b` [m]
/// (float32 scratch the caller owns), zero-norm rows scoring 0. `stream` is a cudaStream_t.
void similarity_scores(const void* a, const void* b, ElementType type, int64_t n, int64_t m, int64_t d, int kind,
                       float* inverse_norms_a, float* inverse_norms_b, float* scores, void* stream);

/// Per-row top-k of scores [n, m]: values [n, k] descending, indices [n, k] (ties: lower index
/// first). k <= kMaxTopK.
void row_top_k(const float* scores, int64_t n, int64_t m, int64_t k, float* values, int64_t* indices, void* stream);

/// Largest k row_top_k takes; it rescans the row once per rank, so it is meant for small k.
constexpr int64_t kMaxTopK = 256;

}  // namespace hspace::kernels::cuda
