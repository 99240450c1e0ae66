// ref: https://github.com/huggingface/safetensors (format: 8-byte LE header length, JSON
// header, then the raw little-endian tensor bytes).
//
// The header parser is free of LibTorch so the fuzzer can drive it alone. Every range is
// checked against the file before any tensor is touched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace hspace::io {

enum class StDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

size_t dtype_size(StDtype dtype);
const char* dtype_name(StDtype dtype);

struct TensorInfo {
  std::string name;
  StDtype dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets relative to the start of the data section
  uint64_t end = 0;
  int64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;              // sorted by begin offset
  std::map<std::string, std::string> metadata;  // "__metadata__", string values only
  uint64_t data_offset = 0;                     // 8 + header length
};

/// Validates and parses the header of a safetensors file held in memory: header length within
/// the file and at most 100 MB, well-formed JSON, known dtypes, shape x dtype size equal to
/// the byte range, ranges inside the data section and not overlapping. Throws
/// std::runtime_error naming `file` and, where it applies, the tensor.
SafetensorsHeader parse_safetensors_header(const uint8_t* data, size_t size, const std::string& file);

/// A memory-mapped safetensors file. Tensors are views over the mapping, valid while the
/// SafetensorsFile lives.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const SafetensorsHeader& header() const { return header_; }
  const TensorInfo* find(const std::string& name) const;
  /// A CPU tensor viewing the mapped bytes (no copy). Throws naming the file when absent.
  torch::Tensor tensor(const std::string& name) const;

 private:
  std::filesystem::path path_;
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
  const TensorInfo& info(const std::string& name) const;
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
