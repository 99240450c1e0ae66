#include "engine/cpu_block_reuse.h"

#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <unistd.h>

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

namespace hspace::engine {
namespace {

class ReusingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) override {
    void* data = take(bytes);
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }

  void enter() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++scopes_;
  }
  void leave() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--scopes_ > 0) return;
    }
    release_kept();
  }
  size_t kept_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return kept_bytes_;
  }

 private:
  void* take(size_t bytes) {
    if (bytes == 0) return nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = kept_.find(bytes);
      if (it != kept_.end() && !it->second.empty()) {
        void* block = it->second.back();
        it->second.pop_back();
        kept_bytes_ -= bytes;
        return block;
      }
    }
    void* block = nullptr;
    try {
      block = c10::alloc_cpu(bytes);
    } catch (const c10::Error&) {
      // Out of memory: the kept blocks of other sizes go back first, then one more try (which
      // throws LibTorch's own error, naming the size, if that is not enough).
      release_kept();
      block = c10::alloc_cpu(bytes);
    }
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      sizes_[block] = bytes;
    } catch (...) {
      c10::free_cpu(block);
      throw;
    }
    return block;
  }

  static void release(void* block);

  void release_kept() {
    std::vector<void*> drop;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& [bytes, blocks] : kept_) drop.insert(drop.end(), blocks.begin(), blocks.end());
      kept_.clear();
      kept_bytes_ = 0;
    }
    for (void* block : drop) forget_and_free(block);
  }

  // A deleter: must not throw.
  void give_back(void* block) noexcept {
    if (!block) return;
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = sizes_.find(block);
      if (scopes_ > 0 && it != sizes_.end() && kept_bytes_ + it->second <= kCap) {
        kept_[it->second].push_back(block);
        kept_bytes_ += it->second;
        return;
      }
    } catch (...) {
      // no room to note it: it goes back to the system instead
    }
    forget_and_free(block);
  }

  void forget_and_free(void* block) noexcept {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sizes_.erase(block);
    }
    c10::free_cpu(block);
  }

  // Calls that overlap in several threads may keep a scope open for long, and blocks are kept by
  // exact size: the cache never holds more than a quarter of the machine's memory.
  static inline const size_t kCap = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 4 : size_t{1} << 30;
  }();

  std::mutex mutex_;
  int scopes_ = 0;
  std::unordered_map<void*, size_t> sizes_;               // every live block this allocator made
  std::unordered_map<size_t, std::vector<void*>> kept_;   // freed inside a scope, by size
  size_t kept_bytes_ = 0;
};

// Never destroyed: tensors that outlive every engine still free through it at process exit.
ReusingCpuAllocator& allocator() {
  static auto* instance = [] {
    auto* a = new ReusingCpuAllocator();
    // Above the default allocator's priority 0, so it replaces it for every CPU tensor made after.
    c10::SetCPUAllocator(a, /*priority=*/1);
    return a;
  }();
  return *instance;
}

void ReusingCpuAllocator::release(void* block) { allocator().give_back(block); }

}  // namespace

CpuBlockReuse::CpuBlockReuse(bool enabled) : enabled_(enabled) {
  if (enabled_) allocator().enter();
}

CpuBlockReuse::~CpuBlockReuse() {
  if (enabled_) allocator().leave();
}

size_t CpuBlockReuse::kept_bytes() { return allocator().kept_bytes(); }

}  // namespace hspace::engine
