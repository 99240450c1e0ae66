// The engine's reuse of freed CPU blocks: kept and handed out again inside a scope, released
// when the last scope ends, and nothing kept outside.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <optional>
#include <vector>

#include "engine/cpu_block_reuse.h"

using hspace::engine::CpuBlockReuse;

TEST(CpuBlockReuse, AFreedBlockIsHandedOutAgainForTheSameSize) {
  CpuBlockReuse scope;
  const void* first = nullptr;
  {
    auto t = torch::empty({512, 1024});  // 2 MiB: above glibc's default mmap threshold
    first = t.data_ptr();
  }
  EXPECT_GE(CpuBlockReuse::kept_bytes(), size_t{512 * 1024 * 4});
  auto again = torch::empty({1024, 512});
  EXPECT_EQ(first, again.data_ptr());
  auto other = torch::empty({513, 1024});
  EXPECT_NE(first, other.data_ptr());
}

TEST(CpuBlockReuse, KeptBlocksAreReleasedWhenTheLastScopeEnds) {
  std::optional<CpuBlockReuse> outer(std::in_place), inner(std::in_place);
  { auto t = torch::ones({256, 1024}); }
  inner.reset();
  EXPECT_GE(CpuBlockReuse::kept_bytes(), size_t{256 * 1024 * 4}) << "an outer scope is still open";
  outer.reset();
  EXPECT_EQ(CpuBlockReuse::kept_bytes(), size_t{0});
}

TEST(CpuBlockReuse, NothingIsKeptOutsideAScope) {
  torch::Tensor survivor;
  {
    CpuBlockReuse scope;
    survivor = torch::arange(1000, torch::kFloat32);
  }
  survivor = torch::Tensor();  // made inside the scope, freed after it
  { auto t = torch::empty({300, 1024}); }
  EXPECT_EQ(CpuBlockReuse::kept_bytes(), size_t{0});
}

TEST(CpuBlockReuse, LiveTensorsNeverShareABlock) {
  CpuBlockReuse scope;
  std::vector<torch::Tensor> live;
  for (int round = 0; round < 3; ++round) {
    live.clear();  // frees last round's blocks into the cache
    for (int i = 0; i < 4; ++i) live.push_back(torch::full({64, 4096}, static_cast<float>(10 * round + i)));
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(live[i].min().item<float>(), static_cast<float>(10 * round + i));
      EXPECT_EQ(live[i].max().item<float>(), static_cast<float>(10 * round + i));
    }
  }
}

TEST(CpuBlockReuse, AnAllocationThatFailsGivesTheKeptBlocksBackAndThrows) {
  CpuBlockReuse scope;
  { auto t = torch::empty({256, 1024}); }
  ASSERT_GT(CpuBlockReuse::kept_bytes(), size_t{0});
  EXPECT_THROW(torch::empty({int64_t{1} << 60}), c10::Error);  // 4 EiB: beyond any address space, overcommit or not
  EXPECT_EQ(CpuBlockReuse::kept_bytes(), size_t{0});
  auto after = torch::ones({256, 1024});  // and allocation goes on
  EXPECT_EQ(after.sum().item<float>(), 256.0f * 1024.0f);
}
