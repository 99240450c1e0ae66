// ref: https://github.com/huggingface/safetensors (safe_open: mmap + views), and
// transformers' modeling_utils.load_sharded_checkpoint for the *.safetensors.index.json layout.
#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>

#include <torch/torch.h>

#include "io/json.h"

namespace hspace::io {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors stores little-endian bytes; views over the mapping assume a little-endian host");

torch::Dtype torch_dtype(StDtype dtype) {
  switch (dtype) {
    case StDtype::F64: return torch::kFloat64;
    case StDtype::F32: return torch::kFloat32;
    case StDtype::F16: return torch::kFloat16;
    case StDtype::BF16: return torch::kBFloat16;
    case StDtype::I64: return torch::kInt64;
    case StDtype::I32: return torch::kInt32;
    case StDtype::I16: return torch::kInt16;
    case StDtype::I8: return torch::kInt8;
    case StDtype::U8: return torch::kUInt8;
    case StDtype::BOOL: return torch::kBool;
  }
  throw std::logic_error("torch_dtype: invalid StDtype");
}

// A view of one tensor's bytes; `keep_alive` runs when the last tensor sharing the storage dies.
torch::Tensor view_tensor(const uint8_t* data_section, const TensorInfo& info, std::function<void(void*)> keep_alive) {
  const uint8_t* bytes = data_section + info.begin;
  auto options = torch::TensorOptions().dtype(torch_dtype(info.dtype)).device(torch::kCPU);
  auto view = torch::from_blob(const_cast<uint8_t*>(bytes), info.shape, std::move(keep_alive), options);
  // Offsets are only 1-byte aligned by the format; kernels may assume element alignment.
  if (reinterpret_cast<uintptr_t>(bytes) % dtype_size(info.dtype) != 0) return view.clone();
  return view;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

struct SafetensorsFile::Mapping {
  Mapping(void* data, size_t size) : data(data), size(size) {}
  ~Mapping() { ::munmap(data, size); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  void* data;
  size_t size;
};

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path) {
  const std::string file = path.string();
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw std::runtime_error(file + (errno == ENOENT ? ": file not found" : ": cannot open (" + errno_text() + ")"));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    std::string why = errno_text();
    ::close(fd);
    throw std::runtime_error(file + ": cannot stat (" + why + ")");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(file + ": not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ < 8) {
    ::close(fd);
    // The parser words the error (empty / too short); mmap cannot map 0 bytes anyway.
    uint8_t bytes[8] = {};
    parse_safetensors_header(bytes, size_, file);
  }
  void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  std::string why = errno_text();
  ::close(fd);  // the mapping keeps the file alive
  if (data == MAP_FAILED) throw std::runtime_error(file + ": mmap failed (" + why + ")");
  mapping_ = std::make_shared<const Mapping>(data, size_);
  data_ = static_cast<const uint8_t*>(data);
  header_ = parse_safetensors_header(data_, size_, file);
  for (size_t i = 0; i < header_.tensors.size(); ++i) index_[header_.tensors[i].name] = i;
}

SafetensorsFile::~SafetensorsFile() = default;

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const TensorInfo* info = find(name);
  if (!info) throw std::runtime_error(path_.string() + ": no tensor '" + name + "'");
  return view_tensor(data_ + header_.data_offset, *info, [mapping = mapping_](void*) {});
}

// ---------------------------------------------------------------------------------------------

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Checkpoint Checkpoint::open(const std::filesystem::path& path) {
  Checkpoint checkpoint;
  checkpoint.source_ = path;
  const std::string index_file = path.string();
  if (!ends_with(index_file, ".index.json")) {
    checkpoint.files_.push_back(std::make_shared<SafetensorsFile>(path));
    for (const auto& info : checkpoint.files_[0]->header().tensors) checkpoint.where_[info.name] = {0, &info};
    return checkpoint;
  }

  Json index = read_json_file(index_file);
  if (!index.is_object()) throw std::runtime_error(index_file + ": not a JSON object");
  const Json* weight_map = nullptr;
  for (const auto& [key, value] : index.as_object(index_file)) {
    if (key == "weight_map") weight_map = &value;
    else if (key != "metadata") throw std::runtime_error(index_file + ": unknown field '" + key + "'");
  }
  if (!weight_map) throw std::runtime_error(index_file + ": missing field 'weight_map'");

  std::map<std::string, std::set<std::string>> assigned;  // shard -> tensor names
  std::map<std::string, std::string> shard_of;            // tensor -> shard
  for (const auto& [name, shard_value] : weight_map->as_object(index_file + ": weight_map")) {
    const std::string& shard = shard_value.as_string(index_file + ": weight_map '" + name + "'");
    // Shards sit next to the index: a path could point anywhere on disk.
    if (shard.empty() || shard == "." || shard == ".." || shard.find('/') != std::string::npos ||
        shard.find('\\') != std::string::npos) {
      throw std::runtime_error(index_file + ": shard '" + shard + "' of tensor '" + name +
                               "' is not a file name in the index's folder");
    }
    assigned[shard].insert(name);
    shard_of[name] = shard;
  }

  const std::filesystem::path folder = path.parent_path();
  for (const auto& [shard, names] : assigned) {
    const std::filesystem::path shard_path = folder / shard;
    if (!std::filesystem::exists(shard_path)) {
      throw std::runtime_error(index_file + ": shard '" + shard + "' (holding '" + *names.begin() + "' and " +
                               std::to_string(names.size() - 1) + " more) does not exist at " + shard_path.string());
    }
    auto file = std::make_shared<SafetensorsFile>(shard_path);
    size_t file_index = checkpoint.files_.size();
    checkpoint.files_.push_back(file);
    for (const auto& info : file->header().tensors) {
      auto owner = shard_of.find(info.name);
      if (owner == shard_of.end()) {
        throw std::runtime_error(index_file + ": shard '" + shard + "' holds tensor '" + info.name +
                                 "' which the weight_map does not list");
      }
      if (owner->second != shard) {
        throw std::runtime_error(index_file + ": shard '" + shard + "' holds tensor '" + info.name +
                                 "' which the weight_map assigns to shard '" + owner->second + "'");
      }
      checkpoint.where_[info.name] = {file_index, &info};
    }
    for (const auto& name : names) {
      if (!file->find(name)) {
        throw std::runtime_error(index_file + ": the weight_map puts tensor '" + name + "' in shard '" + shard +
                                 "', which lacks it");
      }
    }
  }
  return checkpoint;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(where_.size());
  for (const auto& entry : where_) out.push_back(entry.first);
  return out;
}

const TensorInfo& Checkpoint::info(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw std::runtime_error(source_.string() + ": no tensor '" + name + "'");
  return *it->second.second;
}

torch::Tensor Checkpoint::tensor(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw std::runtime_error(source_.string() + ": no tensor '" + name + "'");
  return files_[it->second.first]->tensor(name);
}

int64_t Checkpoint::parameter_count() const {
  int64_t total = 0;
  for (const auto& entry : where_) total += entry.second.second->numel();
  return total;
}

std::vector<std::string> Checkpoint::dtypes() const {
  std::set<std::string> seen;
  for (const auto& entry : where_) seen.insert(dtype_name(entry.second.second->dtype));
  return {seen.begin(), seen.end()};
}

}  // namespace hspace::io
