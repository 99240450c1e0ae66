// Benchmark-suite parity check: loads U-Net folders written by tools/golden/full_size_parity.py
// (config.json, diffusion_pytorch_model.safetensors, golden.safetensors), runs one fp32 forward
// on the CPU and prints the max relative error of the output and of the mid-block against diffusers.
//
//   parity_check .cache/full_size/sd15 .cache/full_size/sdxl
//
// Exit status 1 when an error exceeds the 1e-4 tolerance, 2 on a usage or load error.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <torch/torch.h>

#include "io/json.h"
#include "io/safetensors.h"
#include "models/unet_2d_condition.h"

namespace {

constexpr double kTolerance = 1e-4;

double max_relative_error(const torch::Tensor& actual, const torch::Tensor& expected) {
  auto a = actual.to(torch::kDouble);
  auto e = expected.to(torch::kDouble);
  if (a.sizes() != e.sizes()) {
    throw std::runtime_error("shape " + c10::str(a.sizes()) + " differs from the golden " + c10::str(e.sizes()));
  }
  return (a - e).abs().max().item<double>() / std::max(e.abs().max().item<double>(), 1e-12);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool check(const std::filesystem::path& dir) {
  namespace hm = hspace::models;
  auto start = std::chrono::steady_clock::now();
  auto config_path = dir / "config.json";
  auto sharded = dir / "diffusion_pytorch_model.safetensors.index.json";
  auto weights = hspace::io::Checkpoint::open(std::filesystem::exists(sharded)
                                                  ? sharded
                                                  : dir / "diffusion_pytorch_model.safetensors");
  auto unet = hm::load_unet(hspace::io::read_json_file(config_path.string()), config_path.string(), weights,
                            "unet " + dir.string());
  std::cout << dir.string() << ": " << unet->config().summary() << "\n"
            << "  loaded in " << seconds_since(start) << " s\n";

  hspace::io::SafetensorsFile golden(dir / "golden.safetensors");
  hm::UNetConditioning extra;
  if (golden.find("text_embeds")) extra.text_embeds = golden.tensor("text_embeds");
  if (golden.find("time_ids")) extra.time_ids = golden.tensor("time_ids");
  torch::NoGradGuard no_grad;
  start = std::chrono::steady_clock::now();
  auto out = unet->forward(golden.tensor("latents"), golden.tensor("timestep"), golden.tensor("encoder_hidden_states"),
                           extra);
  const double forward_s = seconds_since(start);
  const double out_error = max_relative_error(out.sample, golden.tensor("out"));
  const double mid_error = max_relative_error(out.mid, golden.tensor("mid"));
  const bool ok = out_error <= kTolerance && mid_error <= kTolerance;
  std::printf("  forward %.1f s; max relative error: output %.3g, mid-block %.3g (tolerance %.0e): %s\n", forward_s,
              out_error, mid_error, kTolerance, ok ? "ok" : "FAIL");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: parity_check FOLDER...  (folders written by tools/golden/full_size_parity.py)\n";
    return 2;
  }
  bool all_ok = true;
  try {
    for (int i = 1; i < argc; ++i) all_ok = check(argv[i]) && all_ok;
  } catch (const std::exception& e) {
    std::cerr << "parity_check: " << e.what() << "\n";
    return 2;
  }
  return all_ok ? 0 : 1;
}
