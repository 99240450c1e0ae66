// ref: https://github.com/huggingface/safetensors (format: 8-byte LE header length, JSON
// header, then the raw little-endian tensor bytes).
//
// The header parser, free of LibTorch so that tools/fuzz can build it (with io/json.cpp) on
// its own. Every range is checked against the file before any tensor is touched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hspace::io {

enum class StDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

size_t dtype_size(StDtype dtype);
const char* dtype_name(StDtype dtype);

struct TensorInfo {
  std::string name;
  StDtype dtype;
  std::vector<int64_t> shape;  // empty for a scalar
  uint64_t begin = 0;          // byte offsets relative to the start of the data section
  uint64_t end = 0;
  int64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;              // sorted by begin offset
  std::map<std::string, std::string> metadata;  // "__metadata__", string values only
  uint64_t data_offset = 0;                     // 8 + header length
};

/// The largest header accepted (the limit the reference implementation sets).
constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

/// Validates and parses the header of a safetensors file held in memory: header length within
/// the file and at most 100 MB, well-formed JSON object, known dtypes, shapes of non-negative
/// ints, shape x dtype size equal to the byte range, ranges inside the data section and not
/// overlapping (gaps between ranges are allowed). Reads nothing outside [data, data + size).
/// Throws std::runtime_error naming `file` and, where it applies, the tensor.
SafetensorsHeader parse_safetensors_header(const uint8_t* data, size_t size, const std::string& file);

}  // namespace hspace::io
