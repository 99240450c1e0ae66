// similarity_bench: times the batched similarity, N x M rows of width D. The analyses use the
// LibTorch path (cuBLAS matmul + separate norms + topk on CUDA). On CUDA it also runs the fused
// kernel (kernels/projections.cu) on the same inputs, checks they agree, and prints both and
// fused_vs_libtorch (LibTorch time / fused time: above 1 when the kernel wins).
//
//   similarity_bench [--n 4096] [--m 4096] [--d 1280] [--dtype fp32|fp16|bf16] [--device -1|N]
//                    [--kind cosine|projection|dot] [--top-k 10] [--repeat 20]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>

#include "kernels/projections.h"

#ifdef HSPACE_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

using hspace::kernels::Similarity;

namespace {

void synchronize(const torch::Device& device) {
#ifdef HSPACE_WITH_CUDA
  if (device.is_cuda()) c10::cuda::device_synchronize();
#endif
}

double best_seconds(const std::function<void()>& run, const torch::Device& device, int repeat) {
  run();  // warm-up
  synchronize(device);
  double best = 1e300;
  for (int r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    run();
    synchronize(device);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 4096, m = 4096, d = 1280, top_k = 10;
  int device_index = -1, repeat = 20;
  std::string dtype = "fp32", kind_name = "cosine";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--n") n = std::stoll(value);
    else if (flag == "--m") m = std::stoll(value);
    else if (flag == "--d") d = std::stoll(value);
    else if (flag == "--top-k") top_k = std::stoll(value);
    else if (flag == "--device") device_index = std::stoi(value);
    else if (flag == "--repeat") repeat = std::stoi(value);
    else if (flag == "--dtype") dtype = value;
    else if (flag == "--kind") kind_name = value;
    else { std::cerr << "unknown flag " << flag << "\n"; return 2; }
  }
  try {
    torch::NoGradGuard no_grad;
    const auto kind = kind_name == "dot" ? Similarity::Dot : kind_name == "projection" ? Similarity::Projection
                                                                                      : Similarity::Cosine;
    const auto type = dtype == "fp16" ? torch::kFloat16 : dtype == "bf16" ? torch::kBFloat16 : torch::kFloat32;
    const torch::Device device = device_index < 0 ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA, device_index);
    torch::manual_seed(0);
    auto a = torch::randn({n, d}).to(device, type);
    auto b = torch::randn({m, d}).to(device, type);
    const double flops = 2.0 * n * m * d;
    auto report = [&](const char* name, double seconds) {
      std::printf("%-10s %10.3f ms  %8.1f GFLOP/s\n", name, seconds * 1e3, flops / seconds / 1e9);
    };
    std::printf("similarity %s, %lld x %lld x %lld, %s, top-k %lld, %s\n", kind_name.c_str(), (long long)n,
                (long long)m, (long long)d, dtype.c_str(), (long long)top_k, device.str().c_str());
    double reference = best_seconds([&] { hspace::kernels::similarity(a, b, kind, top_k); }, device, repeat);
    report("libtorch", reference);
    if (device.is_cuda()) {
#ifdef HSPACE_WITH_CUDA
      auto fused = hspace::kernels::similarity_cuda(a, b, kind, top_k);
      auto expected = hspace::kernels::similarity(a, b, kind, top_k);
      double error = (fused.scores - expected.scores).abs().max().item<double>() /
                     expected.scores.abs().max().item<double>();
      double seconds = best_seconds([&] { hspace::kernels::similarity_cuda(a, b, kind, top_k); }, device, repeat);
      report("fused", seconds);
      std::printf("max relative difference: %.3g\n", error);
      std::printf("fused_vs_libtorch: %.2f\n", reference / seconds);
#else
      std::cerr << "similarity_bench: built without CUDA\n";
      return 1;
#endif
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "similarity_bench: " << e.what() << "\n";
    return 1;
  }
}
