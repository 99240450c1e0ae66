// ref: https://github.com/huggingface/safetensors
//
// Memory-mapped safetensors files and checkpoints (single file or sharded) as LibTorch
// tensors. The header parsing lives in io/safetensors_header.h, free of LibTorch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "io/safetensors_header.h"

namespace hspace::io {

/// A memory-mapped safetensors file (read-only mapping). Tensors are views over the mapping and
/// keep it mapped for as long as they live, even past the SafetensorsFile. The mapping is
/// read-only: writing into a returned tensor (in-place ops, copy_ into it) crashes with
/// SIGSEGV, so callers copy first (`clone()`, `.to(...)`, or `param.copy_(view)` into their
/// own storage).
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const SafetensorsHeader& header() const { return header_; }
  /// The whole mapped file, header included (size() bytes, read-only).
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const TensorInfo* find(const std::string& name) const;
  /// A read-only CPU tensor viewing the mapped bytes (no copy; a copy only when the bytes are
  /// not aligned to the element size); it keeps the mapping alive. Throws naming the file when
  /// absent.
  torch::Tensor tensor(const std::string& name) const;

 private:
  struct Mapping;  // owns the mmap; shared with every tensor view
  std::filesystem::path path_;
  std::shared_ptr<const Mapping> mapping_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  SafetensorsHeader header_;
  std::map<std::string, size_t> index_;
};

/// The weights of one model component: one safetensors file or a sharded checkpoint
/// (`*.safetensors.index.json` whose weight_map names the shard of each tensor).
class Checkpoint {
 public:
  /// `path` is a .safetensors file or a .safetensors.index.json file.
  static Checkpoint open(const std::filesystem::path& path);

  std::vector<std::string> names() const;  // sorted
  /// Throws naming the checkpoint and the tensor when absent.
  const TensorInfo& info(const std::string& name) const;
  /// A read-only view as SafetensorsFile::tensor gives (it keeps its file mapped).
  torch::Tensor tensor(const std::string& name) const;
  /// The file the checkpoint was opened from (for messages).
  const std::filesystem::path& source() const { return source_; }
  /// Sum of numel over all tensors; dtypes seen ("F16", "F32", ...).
  int64_t parameter_count() const;
  std::vector<std::string> dtypes() const;

 private:
  std::filesystem::path source_;
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::pair<size_t, const TensorInfo*>> where_;  // name -> (file, info)
};

}  // namespace hspace::io
