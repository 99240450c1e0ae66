// Reuse of the CPU blocks LibTorch frees while the engine runs.
//
// LibTorch's default CPU allocator frees every tensor with free(); glibc hands blocks above its
// mmap threshold straight back to the kernel, so a denoising loop maps, page-faults and unmaps
// its activations at every op (about a fifth of the toy model's CPU time, docs/BENCHMARKS.md).
#pragma once

namespace hspace::engine {

/// While at least one CpuBlockReuse exists (in any thread), CPU blocks that LibTorch frees are
/// kept by size and handed out again for allocations of that size; when the last one ends, the
/// kept blocks go back to the system. At most a quarter of the machine's memory is kept; beyond
/// that a freed block goes back at once. Outside every scope nothing is kept, so a host process
/// embedding the engine keeps its memory behaviour (each allocation then costs a mutex and a
/// hash-map entry more than LibTorch's own). The first scope installs the allocator for the
/// process (c10::SetCPUAllocator).
class CpuBlockReuse {
 public:
  /// `enabled` false: the scope does nothing (hs_engine_params.reuse_cpu_blocks 0).
  explicit CpuBlockReuse(bool enabled = true);
  ~CpuBlockReuse();
  CpuBlockReuse(const CpuBlockReuse&) = delete;
  CpuBlockReuse& operator=(const CpuBlockReuse&) = delete;

  /// Bytes kept for reuse right now (for tests).
  static size_t kept_bytes();

 private:
  bool enabled_;
};

}  // namespace hspace::engine
