#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "io/safetensors.h"
#include "io/state_dict.h"
#include "io_fixtures.h"

using hspace::io::Checkpoint;
using hspace::io::load_state_dict;
using hspace::testing::TempDir;

namespace {

// A module with nesting, a ModuleList index, and a buffer, like the ported model parts.
struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    proj = register_module("proj", torch::nn::Linear(3, 2));
    layers = register_module("layers", torch::nn::ModuleList(torch::nn::Linear(2, 2), torch::nn::Linear(2, 1)));
    register_buffer("position_ids", torch::zeros({1, 4}, torch::kInt64));
  }
  torch::nn::Linear proj{nullptr};
  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(Block);

const char* st_dtype(torch::Dtype dtype) {
  if (dtype == torch::kFloat32) return "F32";
  if (dtype == torch::kFloat16) return "F16";
  if (dtype == torch::kBFloat16) return "BF16";
  if (dtype == torch::kInt64) return "I64";
  throw std::logic_error("test helper: unhandled dtype");
}

// Writes `tensors` as a safetensors file (names in map order, data packed).
void write_tensors(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& tensors) {
  std::string header = "{";
  std::string data;
  for (const auto& [name, value] : tensors) {
    auto t = value.contiguous();
    std::string shape = "[";
    for (int64_t i = 0; i < t.dim(); ++i) shape += (i ? "," : "") + std::to_string(t.size(i));
    shape += "]";
    uint64_t begin = data.size();
    data.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    if (header.size() > 1) header += ",";
    header += hspace::testing::entry(name, st_dtype(t.scalar_type()), shape, begin, data.size());
  }
  hspace::testing::write_file(path, hspace::testing::safetensors_bytes(header + "}", data));
}

// The state a Block expects, with distinct values, under `prefix`.
std::map<std::string, torch::Tensor> block_state(const std::string& prefix = "") {
  return {{prefix + "proj.weight", torch::arange(6, torch::kFloat32).reshape({2, 3})},
          {prefix + "proj.bias", torch::tensor({-1.f, -2.f})},
          {prefix + "layers.0.weight", torch::full({2, 2}, 0.5f)},
          {prefix + "layers.0.bias", torch::tensor({7.f, 8.f})},
          {prefix + "layers.1.weight", torch::tensor({{1.5f, -1.5f}})},
          {prefix + "layers.1.bias", torch::tensor({9.f})},
          {prefix + "position_ids", torch::arange(4, torch::kInt64).reshape({1, 4})}};
}

std::string load_error(Block& block, const Checkpoint& checkpoint, const std::string& prefix = "",
                       const std::vector<std::string>& optional = {}) {
  try {
    load_state_dict(*block, checkpoint, "unet (models/x/unet)", prefix, optional);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

}  // namespace

TEST(StateDict, LoadsEveryParameterAndBuffer) {
  TempDir dir;
  auto state = block_state();
  write_tensors(dir / "m.safetensors", state);
  Block block;
  load_state_dict(*block, Checkpoint::open(dir / "m.safetensors"), "block");
  EXPECT_TRUE(torch::equal(block->proj->weight, state["proj.weight"]));
  EXPECT_TRUE(torch::equal(block->proj->bias, state["proj.bias"]));
  auto last = block->layers[1]->as<torch::nn::Linear>();
  EXPECT_TRUE(torch::equal(last->weight, state["layers.1.weight"]));
  EXPECT_TRUE(torch::equal(block->named_buffers()["position_ids"], state["position_ids"]));
}

TEST(StateDict, ParametersOwnTheirMemoryAfterLoading) {
  TempDir dir;
  write_tensors(dir / "m.safetensors", block_state());
  Block block;
  {
    auto checkpoint = Checkpoint::open(dir / "m.safetensors");
    load_state_dict(*block, checkpoint, "block");
  }  // unmapped here
  torch::NoGradGuard no_grad;
  block->proj->weight.add_(1);  // writable: a copy, not a view of the read-only mapping
  EXPECT_FLOAT_EQ(block->proj->weight[1][2].item<float>(), 6.f);
}

TEST(StateDict, ConvertsDtypeToTheModule) {
  TempDir dir;
  auto state = block_state();
  for (auto& [name, t] : state) {
    if (t.is_floating_point()) t = t.to(torch::kFloat16);
  }
  write_tensors(dir / "m.safetensors", state);
  Block block;
  load_state_dict(*block, Checkpoint::open(dir / "m.safetensors"), "block");
  EXPECT_EQ(block->proj->weight.dtype(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(block->proj->weight, state["proj.weight"].to(torch::kFloat32)));
}

TEST(StateDict, LoadsUnderAPrefixIgnoringOtherKeys) {
  TempDir dir;
  auto state = block_state("text_model.");
  state["other.weight"] = torch::ones({3});
  write_tensors(dir / "m.safetensors", state);
  Block block;
  load_state_dict(*block, Checkpoint::open(dir / "m.safetensors"), "block", "text_model.");
  EXPECT_TRUE(torch::equal(block->layers[0]->as<torch::nn::Linear>()->bias, torch::tensor({7.f, 8.f})));
}

TEST(StateDict, MissingTensors) {
  TempDir dir;
  auto state = block_state();
  state.erase("proj.bias");
  state.erase("layers.1.weight");
  write_tensors(dir / "m.safetensors", state);
  Block block;
  std::string e = load_error(block, Checkpoint::open(dir / "m.safetensors"));
  EXPECT_CONTAINS(e, "unet (models/x/unet): checkpoint " + (dir / "m.safetensors").string() + " does not match the module");
  EXPECT_CONTAINS(e, "2 missing, 0 unexpected, 0 mis-shaped of 7 expected tensors; missing: layers.1.weight, proj.bias");
}

TEST(StateDict, UnexpectedTensors) {
  TempDir dir;
  auto state = block_state();
  state["layers.2.weight"] = torch::ones({1});
  write_tensors(dir / "m.safetensors", state);
  Block block;
  EXPECT_CONTAINS(load_error(block, Checkpoint::open(dir / "m.safetensors")),
                  "0 missing, 1 unexpected, 0 mis-shaped of 7 expected tensors; unexpected: layers.2.weight");
}

TEST(StateDict, MisShapedTensors) {
  TempDir dir;
  auto state = block_state();
  state["proj.weight"] = torch::zeros({3, 2});
  write_tensors(dir / "m.safetensors", state);
  Block block;
  EXPECT_CONTAINS(load_error(block, Checkpoint::open(dir / "m.safetensors")),
                  "1 mis-shaped of 7 expected tensors; mis-shaped: proj.weight (module [2, 3], checkpoint [3, 2])");
}

TEST(StateDict, WrongPrefixReportsEverythingInOneError) {
  TempDir dir;
  write_tensors(dir / "m.safetensors", block_state("model."));
  Block block;
  std::string e = load_error(block, Checkpoint::open(dir / "m.safetensors"));
  EXPECT_CONTAINS(e, "7 missing, 7 unexpected, 0 mis-shaped");
  EXPECT_CONTAINS(e, "(2 more)");  // only the first five names of each list are shown
}

TEST(StateDict, NothingIsCopiedWhenTheCheckCatchesAMismatch) {
  TempDir dir;
  auto state = block_state();
  state.erase("proj.bias");
  write_tensors(dir / "m.safetensors", state);
  Block block;
  auto before = block->proj->weight.clone();
  EXPECT_NE(load_error(block, Checkpoint::open(dir / "m.safetensors")), "");
  EXPECT_TRUE(torch::equal(block->proj->weight, before));
}

TEST(StateDict, OptionalBufferMayBeAbsent) {
  TempDir dir;
  auto state = block_state();
  state.erase("position_ids");
  write_tensors(dir / "m.safetensors", state);
  Block block;
  EXPECT_EQ(load_error(block, Checkpoint::open(dir / "m.safetensors"), "", {"position_ids"}), "");
  EXPECT_TRUE(torch::equal(block->proj->bias, torch::tensor({-1.f, -2.f})));
  EXPECT_TRUE(torch::equal(block->named_buffers()["position_ids"], torch::zeros({1, 4}, torch::kInt64)));
}

TEST(StateDict, OptionalBufferIsLoadedWhenPresent) {
  TempDir dir;
  write_tensors(dir / "m.safetensors", block_state("p."));
  Block block;
  EXPECT_EQ(load_error(block, Checkpoint::open(dir / "m.safetensors"), "p.", {"position_ids"}), "");
  EXPECT_TRUE(torch::equal(block->named_buffers()["position_ids"], torch::arange(4, torch::kInt64).reshape({1, 4})));
}
