// Fused batched similarity on CUDA: row norms, N x M products with the normalisation applied in
// the epilogue (so no normalised copies of a or b are ever written), and per-row top-k.
// Inputs fp32, fp16 or bf16; every sum in fp32 on the CUDA cores. Checked against
// kernels::similarity (LibTorch) in tests/native/test_projections.cpp; timed against it (cuBLAS)
// by similarity_bench, which found it 1.8x slower on an H200, so the analyses do not call it.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cfloat>
#include <stdexcept>
#include <string>

#include "kernels/projections_cuda.h"

namespace hspace::kernels::cuda {
namespace {

constexpr int kTile = 64;          // output tile edge per block
constexpr int kDepth = 16;         // d-slice staged in shared memory per iteration
constexpr int kThreadsEdge = 16;   // 16 x 16 threads, each computing 4 x 4 outputs
constexpr int kPerThread = kTile / kThreadsEdge;
constexpr int kRowThreads = 256;   // norms: 8 warps, one row each; top-k: one block per row

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

void check_launch(const char* what) {
  cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string("similarity: CUDA kernel ") + what + " failed: " + cudaGetErrorString(status));
  }
}

template <typename T>
__global__ void inverse_norms_kernel(const T* __restrict__ x, int64_t rows, int64_t d, float* __restrict__ out) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (kRowThreads / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const T* r = x + row * d;
  float sum = 0.f;
  for (int64_t i = lane; i < d; i += 32) {
    const float v = to_float(r[i]);
    sum += v * v;
  }
  for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
  // Same rule as the reference: a zero row has inverse norm 0, so its scores are 0, not NaN.
  if (lane == 0) out[row] = sum > 0.f ? 1.f / sqrtf(sum) : 0.f;
}

// scores[i, j] = sum_k a[i, k] b[j, k], times inv_a[i] (cosine) and inv_b[j] (cosine, projection).
template <typename T>
__global__ void scores_kernel(const T* __restrict__ a, const T* __restrict__ b, int64_t n, int64_t m, int64_t d,
                              const float* __restrict__ inv_a, const float* __restrict__ inv_b, float* __restrict__ scores) {
  // Staged k-major so the inner loop reads one row of each tile; +4 padding spreads the
  // transposed stores over the banks.
  __shared__ float a_tile[kDepth][kTile + 4];
  __shared__ float b_tile[kDepth][kTile + 4];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int thread = ty * kThreadsEdge + tx;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTile;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * kTile;
  float acc[kPerThread][kPerThread] = {};

  for (int64_t k0 = 0; k0 < d; k0 += kDepth) {
    for (int e = thread; e < kTile * kDepth; e += kThreadsEdge * kThreadsEdge) {
      const int r = e / kDepth, kk = e % kDepth;  // consecutive threads walk along d: coalesced
      const int64_t k = k0 + kk;
      a_tile[kk][r] = (row0 + r < n && k < d) ? to_float(a[(row0 + r) * d + k]) : 0.f;
      b_tile[kk][r] = (col0 + r < m && k < d) ? to_float(b[(col0 + r) * d + k]) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kDepth; ++kk) {
      float ra[kPerThread], rb[kPerThread];
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) {
        ra[i] = a_tile[kk][ty + i * kThreadsEdge];
        rb[i] = b_tile[kk][tx + i * kThreadsEdge];
      }
#pragma unroll
      for (int i = 0; i < kPerThread; ++i)
#pragma unroll
        for (int j = 0; j < kPerThread; ++j) acc[i][j] += ra[i] * rb[j];
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < kPerThread; ++i) {
    const int64_t row = row0 + ty + i * kThreadsEdge;
    if (row >= n) continue;
    const float row_scale = inv_a ? inv_a[row] : 1.f;
#pragma unroll
    for (int j = 0; j < kPerThread; ++j) {
      const int64_t col = col0 + tx + j * kThreadsEdge;
      if (col >= m) continue;
      const float col_scale = inv_b ? inv_b[col] : 1.f;
      scores[row * m + col] = acc[i][j] * row_scale * col_scale;
    }
  }
}

// (value, index) ordered by value descending, then index ascending: a strict total order, so
// each rank picks exactly one entry even among ties.
__device__ __forceinline__ bool ranks_before(float v, int64_t i, float w, int64_t j) {
  return v > w || (v == w && i < j);
}

__global__ void row_top_k_kernel(const float* __restrict__ scores, int64_t m, int64_t k, float* __restrict__ values,
                                 int64_t* __restrict__ indices) {
  __shared__ float best_value[kRowThreads];
  __shared__ int64_t best_index[kRowThreads];
  const int64_t row = blockIdx.x;
  const float* r = scores + row * m;
  float previous_value = FLT_MAX;
  int64_t previous_index = -1;
  bool first = true;
  for (int64_t rank = 0; rank < k; ++rank) {
    // Best entry strictly after the previous pick in the order above.
    float v = -FLT_MAX;
    int64_t at = m;
    for (int64_t j = threadIdx.x; j < m; j += kRowThreads) {
      const float s = r[j];
      const bool eligible = first || ranks_before(previous_value, previous_index, s, j);
      if (eligible && (at == m || ranks_before(s, j, v, at))) {
        v = s;
        at = j;
      }
    }
    best_value[threadIdx.x] = v;
    best_index[threadIdx.x] = at;
    __syncthreads();
    for (int stride = kRowThreads / 2; stride > 0; stride /= 2) {
      if (threadIdx.x < stride) {
        const float w = best_value[threadIdx.x + stride];
        const int64_t j = best_index[threadIdx.x + stride];
        if (j != m && (best_index[threadIdx.x] == m || ranks_before(w, j, best_value[threadIdx.x], best_index[threadIdx.x]))) {
          best_value[threadIdx.x] = w;
          best_index[threadIdx.x] = j;
        }
      }
      __syncthreads();
    }
    previous_value = best_value[0];
    previous_index = best_index[0];
    first = false;
    if (threadIdx.x == 0) {
      values[row * k + rank] = previous_value;
      indices[row * k + rank] = previous_index;
    }
    __syncthreads();  // best_* are rewritten by the next rank
  }
}

template <typename T>
void launch_scores(const T* a, const T* b, int64_t n, int64_t m, int64_t d, int kind, float* inv_a, float* inv_b,
                   float* scores, cudaStream_t stream) {
  const bool cosine = kind == 0, projection = kind == 1;
  const int rows_per_block = kRowThreads / 32;
  if (cosine) {
    inverse_norms_kernel<T><<<(n + rows_per_block - 1) / rows_per_block, kRowThreads, 0, stream>>>(a, n, d, inv_a);
    check_launch("inverse_norms(a)");
  }
  if (cosine || projection) {
    inverse_norms_kernel<T><<<(m + rows_per_block - 1) / rows_per_block, kRowThreads, 0, stream>>>(b, m, d, inv_b);
    check_launch("inverse_norms(b)");
  }
  const dim3 grid((m + kTile - 1) / kTile, (n + kTile - 1) / kTile);
  const dim3 block(kThreadsEdge, kThreadsEdge);
  scores_kernel<T><<<grid, block, 0, stream>>>(a, b, n, m, d, cosine ? inv_a : nullptr,
                                               (cosine || projection) ? inv_b : nullptr, scores);
  check_launch("scores");
}

}  // namespace

void similarity_scores(const void* a, const void* b, ElementType type, int64_t n, int64_t m, int64_t d, int kind,
                       float* inverse_norms_a, float* inverse_norms_b, float* scores, void* stream) {
  if (n > static_cast<int64_t>(65535) * kTile) {
    throw std::runtime_error("similarity: " + std::to_string(n) + " query rows exceed the CUDA grid; split the batch");
  }
  auto s = static_cast<cudaStream_t>(stream);
  switch (type) {
    case ElementType::Float32:
      launch_scores(static_cast<const float*>(a), static_cast<const float*>(b), n, m, d, kind, inverse_norms_a,
                    inverse_norms_b, scores, s);
      break;
    case ElementType::Float16:
      launch_scores(static_cast<const __half*>(a), static_cast<const __half*>(b), n, m, d, kind, inverse_norms_a,
                    inverse_norms_b, scores, s);
      break;
    case ElementType::BFloat16:
      launch_scores(static_cast<const __nv_bfloat16*>(a), static_cast<const __nv_bfloat16*>(b), n, m, d, kind,
                    inverse_norms_a, inverse_norms_b, scores, s);
      break;
  }
}

void row_top_k(const float* scores, int64_t n, int64_t m, int64_t k, float* values, int64_t* indices, void* stream) {
  if (k < 1 || k > kMaxTopK || k > m) {
    throw std::runtime_error("similarity: CUDA top-k takes 1 <= k <= min(m, " + std::to_string(kMaxTopK) +
                             "), got k=" + std::to_string(k));
  }
  if (n > 2147483647) throw std::runtime_error("similarity: too many rows for one top-k launch");
  row_top_k_kernel<<<static_cast<unsigned>(n), kRowThreads, 0, static_cast<cudaStream_t>(stream)>>>(scores, m, k, values,
                                                                                                  indices);
  check_launch("row_top_k");
}

}  // namespace hspace::kernels::cuda
