// ref: https://github.com/huggingface/safetensors/blob/main/safetensors/src/tensor.rs
// (read_metadata / Metadata::validate: the checks below follow it, except that gaps between
// ranges are allowed).
//
// Free of LibTorch: tools/fuzz compiles this file with io/json.cpp alone.
#include "io/safetensors_header.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "io/json.h"

namespace hspace::io {
namespace {

constexpr StDtype kAllDtypes[] = {StDtype::F64, StDtype::F32, StDtype::F16, StDtype::BF16, StDtype::I64,
                                  StDtype::I32, StDtype::I16, StDtype::I8,  StDtype::U8,   StDtype::BOOL};

std::string supported_dtypes() {
  std::string out;
  for (StDtype d : kAllDtypes) {
    if (!out.empty()) out += ", ";
    out += dtype_name(d);
  }
  return out;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

TensorInfo parse_entry(const std::string& name, const Json& entry, uint64_t data_size, const std::string& file) {
  const std::string where = file + ": tensor '" + name + "'";
  if (!entry.is_object()) throw std::runtime_error(where + ": entry is not a JSON object");
  const Json* dtype = nullptr;
  const Json* shape = nullptr;
  const Json* offsets = nullptr;
  for (const auto& [key, value] : entry.as_object(where)) {
    if (key == "dtype") dtype = &value;
    else if (key == "shape") shape = &value;
    else if (key == "data_offsets") offsets = &value;
    else throw std::runtime_error(where + ": unknown field '" + key + "'");
  }
  if (!dtype || !shape || !offsets) {
    throw std::runtime_error(where + ": missing field '" +
                             std::string(!dtype ? "dtype" : !shape ? "shape" : "data_offsets") + "'");
  }

  TensorInfo info;
  info.name = name;
  const std::string& dtype_text = dtype->as_string(where + ": dtype");
  bool known = false;
  for (StDtype d : kAllDtypes) {
    if (dtype_text == dtype_name(d)) {
      info.dtype = d;
      known = true;
    }
  }
  if (!known) {
    throw std::runtime_error(where + ": unsupported dtype '" + dtype_text + "' (supported: " + supported_dtypes() + ")");
  }

  uint64_t numel = 1;
  for (const Json& dim : shape->as_array(where + ": shape")) {
    int64_t n = dim.as_int(where + ": shape entry");
    if (n < 0) throw std::runtime_error(where + ": negative dimension " + std::to_string(n) + " in shape");
    info.shape.push_back(n);
    // numel must stay within int64 (torch's sizes are int64); checked before multiplying.
    if (n != 0 && numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / static_cast<uint64_t>(n)) {
      throw std::runtime_error(where + ": shape " + dim.dump() + " overflows the element count");
    }
    numel *= static_cast<uint64_t>(n);
  }

  const auto& range = offsets->as_array(where + ": data_offsets");
  if (range.size() != 2) {
    throw std::runtime_error(where + ": data_offsets must be [begin, end], got " + offsets->dump());
  }
  int64_t begin = range[0].as_int(where + ": data_offsets begin");
  int64_t end = range[1].as_int(where + ": data_offsets end");
  if (begin < 0 || end < 0) throw std::runtime_error(where + ": negative data_offsets " + offsets->dump());
  if (begin > end) throw std::runtime_error(where + ": data_offsets " + offsets->dump() + " end before begin");
  info.begin = static_cast<uint64_t>(begin);
  info.end = static_cast<uint64_t>(end);

  uint64_t element = dtype_size(info.dtype);
  uint64_t span = info.end - info.begin;
  bool too_big = numel > std::numeric_limits<uint64_t>::max() / element;
  if (too_big || numel * element != span) {
    throw std::runtime_error(where + ": shape " + shape_string(info.shape) + " x " + dtype_text + " (" +
                             std::to_string(element) + " bytes) does not match data_offsets " + offsets->dump() +
                             " (" + std::to_string(span) + " bytes)");
  }
  if (info.end > data_size) {
    throw std::runtime_error(where + ": data_offsets " + offsets->dump() + " run past the end of the data section (" +
                             std::to_string(data_size) + " bytes)");
  }
  return info;
}

}  // namespace

size_t dtype_size(StDtype dtype) {
  switch (dtype) {
    case StDtype::F64: case StDtype::I64: return 8;
    case StDtype::F32: case StDtype::I32: return 4;
    case StDtype::F16: case StDtype::BF16: case StDtype::I16: return 2;
    case StDtype::I8: case StDtype::U8: case StDtype::BOOL: return 1;
  }
  throw std::logic_error("dtype_size: invalid StDtype");
}

const char* dtype_name(StDtype dtype) {
  switch (dtype) {
    case StDtype::F64: return "F64";
    case StDtype::F32: return "F32";
    case StDtype::F16: return "F16";
    case StDtype::BF16: return "BF16";
    case StDtype::I64: return "I64";
    case StDtype::I32: return "I32";
    case StDtype::I16: return "I16";
    case StDtype::I8: return "I8";
    case StDtype::U8: return "U8";
    case StDtype::BOOL: return "BOOL";
  }
  throw std::logic_error("dtype_name: invalid StDtype");
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // the parser guarantees this fits
  return n;
}

SafetensorsHeader parse_safetensors_header(const uint8_t* data, size_t size, const std::string& file) {
  if (size == 0) throw std::runtime_error(file + ": empty file (0 bytes), not a safetensors file");
  if (size < 8) {
    throw std::runtime_error(file + ": " + std::to_string(size) +
                             " bytes, too short for a safetensors file (the 8-byte header length is missing)");
  }
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | data[i];
  if (header_length > kMaxSafetensorsHeader) {
    throw std::runtime_error(file + ": header length " + std::to_string(header_length) +
                             " exceeds the 100 MB limit (corrupt or not a safetensors file)");
  }
  if (header_length > size - 8) {
    throw std::runtime_error(file + ": header length " + std::to_string(header_length) + " runs past the end of the " +
                             std::to_string(size) + "-byte file (truncated?)");
  }

  SafetensorsHeader header;
  header.data_offset = 8 + header_length;
  const uint64_t data_size = size - header.data_offset;
  const std::string header_source = file + ": header";
  Json json = parse_json(std::string_view(reinterpret_cast<const char*>(data) + 8, header_length), header_source);
  if (!json.is_object()) throw std::runtime_error(header_source + " is not a JSON object");

  for (const auto& [name, entry] : json.as_object(header_source)) {
    if (name == "__metadata__") {
      for (const auto& [key, value] : entry.as_object(header_source + ": __metadata__")) {
        header.metadata[key] = value.as_string(header_source + ": __metadata__ '" + key + "'");
      }
      continue;
    }
    header.tensors.push_back(parse_entry(name, entry, data_size, file));
  }

  std::sort(header.tensors.begin(), header.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end != b.end ? a.end < b.end : a.name < b.name;
  });
  for (size_t i = 1; i < header.tensors.size(); ++i) {
    const TensorInfo& previous = header.tensors[i - 1];
    const TensorInfo& current = header.tensors[i];
    if (current.begin < previous.end) {
      throw std::runtime_error(file + ": tensor '" + current.name + "' (bytes " + std::to_string(current.begin) + "-" +
                               std::to_string(current.end) + ") overlaps tensor '" + previous.name + "' (bytes " +
                               std::to_string(previous.begin) + "-" + std::to_string(previous.end) + ")");
    }
  }
  return header;
}

}  // namespace hspace::io
