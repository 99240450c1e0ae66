// Helpers for native tests that compare the engine with golden outputs from tools/golden.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/safetensors.h"

namespace hspace::testing {

inline std::filesystem::path repo_root() { return HSPACE_REPO_ROOT; }

/// tests/golden/<part>; fails the test with the command that makes it when absent.
inline std::filesystem::path golden_dir(const std::string& part) {
  auto dir = repo_root() / "tests" / "golden" / part;
  if (!std::filesystem::exists(dir)) {
    ADD_FAILURE() << "golden folder " << dir << " is missing: run tools/golden/make_all";
  }
  return dir;
}

/// Opens a golden safetensors file; the file stays mapped for the test's lifetime.
inline std::shared_ptr<io::SafetensorsFile> golden_file(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error("golden file " + path.string() + " is missing: run tools/golden/make_all");
  }
  return std::make_shared<io::SafetensorsFile>(path);
}

/// Turns TF32 off for cuDNN and cuBLAS while alive (CUDA parity at the fp32 bound), then restores it.
class NoTF32 {
 public:
  NoTF32() : cudnn_(at::globalContext().allowTF32CuDNN()), cublas_(at::globalContext().allowTF32CuBLAS()) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  ~NoTF32() {
    at::globalContext().setAllowTF32CuDNN(cudnn_);
    at::globalContext().setAllowTF32CuBLAS(cublas_);
  }
  NoTF32(const NoTF32&) = delete;
  NoTF32& operator=(const NoTF32&) = delete;

 private:
  bool cudnn_, cublas_;
};

/// max |actual - expected| / max |expected|, the tolerance metric used in every parity test.
inline double max_relative_error(const torch::Tensor& actual, const torch::Tensor& expected) {
  auto a = actual.detach().to(torch::kCPU, torch::kDouble);
  auto e = expected.detach().to(torch::kCPU, torch::kDouble);
  if (a.sizes() != e.sizes()) {
    ADD_FAILURE() << "shape " << a.sizes() << " differs from the golden " << e.sizes();
    return INFINITY;
  }
  double scale = std::max(e.abs().max().item<double>(), 1e-12);
  return (a - e).abs().max().item<double>() / scale;
}

}  // namespace hspace::testing
