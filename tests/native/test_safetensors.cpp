#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "golden.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "io_fixtures.h"

using hspace::io::Checkpoint;
using hspace::io::parse_safetensors_header;
using hspace::io::SafetensorsFile;
using hspace::io::StDtype;
using hspace::testing::entry;
using hspace::testing::f32_file;
using hspace::testing::safetensors_bytes;
using hspace::testing::TempDir;
using hspace::testing::write_file;

namespace {

// The message parse_safetensors_header throws for `bytes`, or "" when it accepts them.
std::string header_error(const std::string& bytes) {
  try {
    parse_safetensors_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "m.safetensors");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

// Writes `bytes` to a file in `dir` and returns the message SafetensorsFile throws, or "".
std::string file_error(const TempDir& dir, const std::string& bytes) {
  auto path = dir / "m.safetensors";
  write_file(path, bytes);
  try {
    SafetensorsFile file(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

std::string two_tensor_file() { return f32_file({{"a", {1, 2, 3}}, {"b", {4, 5}}}); }

}  // namespace

// --- well-formed files -------------------------------------------------------------------------

TEST(Safetensors, ParsesAValidHeader) {
  std::string bytes = safetensors_bytes(
      "{\"__metadata__\":{\"format\":\"pt\"}," + entry("w", "F16", "[2,3]", 0, 12) + "," +
          entry("ids", "I64", "[]", 12, 20) + "," + entry("empty", "BOOL", "[0,5]", 20, 20) + "}  ",
      std::string(20, '\0'));
  auto header = parse_safetensors_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "m");
  ASSERT_EQ(header.tensors.size(), 3u);
  EXPECT_EQ(header.tensors[0].name, "w");
  EXPECT_EQ(header.tensors[0].dtype, StDtype::F16);
  EXPECT_EQ(header.tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(header.tensors[1].name, "ids");
  EXPECT_EQ(header.tensors[1].numel(), 1);
  EXPECT_EQ(header.tensors[2].numel(), 0);
  EXPECT_EQ(header.metadata.at("format"), "pt");
  EXPECT_EQ(header.data_offset, bytes.size() - 20);
}

TEST(Safetensors, TensorsAreSortedByOffset) {
  std::string bytes = safetensors_bytes("{" + entry("late", "U8", "[4]", 4, 8) + "," + entry("early", "U8", "[4]", 0, 4) + "}",
                                        std::string(8, '\0'));
  auto header = parse_safetensors_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "m");
  EXPECT_EQ(header.tensors[0].name, "early");
  EXPECT_EQ(header.tensors[1].name, "late");
}

TEST(Safetensors, GapsBetweenRangesAreAllowed) {
  std::string bytes = safetensors_bytes("{" + entry("a", "U8", "[2]", 0, 2) + "," + entry("b", "U8", "[2]", 6, 8) + "}",
                                        std::string(8, '\0'));
  EXPECT_EQ(header_error(bytes), "");
}

TEST(Safetensors, MapsTensorsWithTheirValues) {
  TempDir dir;
  write_file(dir / "m.safetensors", two_tensor_file());
  SafetensorsFile file(dir / "m.safetensors");
  auto a = file.tensor("a");
  EXPECT_EQ(a.dtype(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(a, torch::tensor({1.f, 2.f, 3.f})));
  EXPECT_TRUE(torch::equal(file.tensor("b"), torch::tensor({4.f, 5.f})));
  EXPECT_EQ(file.find("c"), nullptr);
}

TEST(Safetensors, ViewsShareTheMappingWithoutCopying) {
  TempDir dir;
  write_file(dir / "m.safetensors", two_tensor_file());
  SafetensorsFile file(dir / "m.safetensors");
  auto a = file.tensor("a");
  const uint8_t* expected = file.data() + file.header().data_offset + file.find("a")->begin;
  EXPECT_EQ(static_cast<const void*>(a.data_ptr()), static_cast<const void*>(expected));
}

TEST(Safetensors, ViewOutlivesTheFileObject) {
  TempDir dir;
  write_file(dir / "m.safetensors", two_tensor_file());
  // The pattern `golden_file(path)->tensor(name)`: the file object dies at the semicolon.
  auto b = std::make_shared<SafetensorsFile>(dir / "m.safetensors")->tensor("b");
  std::vector<float> filler(1 << 20, 9.f);  // reuse freed memory if the view dangled
  EXPECT_TRUE(torch::equal(b, torch::tensor({4.f, 5.f})));
}

TEST(Safetensors, EveryDtypeMapsToItsTorchDtype) {
  const std::pair<const char*, torch::Dtype> cases[] = {
      {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
      {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
      {"U8", torch::kUInt8},    {"BOOL", torch::kBool}};
  TempDir dir;
  for (const auto& [name, dtype] : cases) {
    size_t bytes = torch::elementSize(dtype) * 2;
    write_file(dir / "m.safetensors", safetensors_bytes("{" + entry("t", name, "[2]", 0, bytes) + "}", std::string(bytes, '\x01')));
    SafetensorsFile file(dir / "m.safetensors");
    auto t = file.tensor("t");
    EXPECT_EQ(t.dtype(), dtype) << name;
    EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2})) << name;
  }
}

TEST(Safetensors, MissingTensorNamesFileAndTensor) {
  TempDir dir;
  write_file(dir / "m.safetensors", two_tensor_file());
  SafetensorsFile file(dir / "m.safetensors");
  try {
    file.tensor("nope");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "m.safetensors").string() + ": no tensor 'nope'");
  }
}

TEST(Safetensors, ReadsTheFileWrittenByPythonSafetensors) {
  auto folder = hspace::testing::golden_dir("safetensors");
  auto file = hspace::testing::golden_file(folder / "mixed.safetensors");
  auto expected = hspace::io::read_json_file((folder / "mixed_expected.json").string());
  for (const auto& [key, value] : expected.find("metadata")->as_object("metadata")) {
    EXPECT_EQ(file->header().metadata.at(key), value.as_string(key));
  }
  const auto& tensors = expected.find("tensors")->as_object("tensors");
  EXPECT_EQ(file->header().tensors.size(), tensors.size());
  for (const auto& [name, want] : tensors) {
    SCOPED_TRACE(name);
    const auto* info = file->find(name);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(hspace::io::dtype_name(info->dtype), want.find("dtype")->as_string("dtype"));
    std::vector<int64_t> shape;
    for (const auto& d : want.find("shape")->as_array("shape")) shape.push_back(d.as_int("dim"));
    auto t = file->tensor(name);
    EXPECT_EQ(t.sizes().vec(), shape);
    auto flat = t.flatten();
    const auto& values = want.find("values")->as_array("values");
    ASSERT_EQ(flat.numel(), static_cast<int64_t>(values.size()));
    for (size_t i = 0; i < values.size(); ++i) {
      if (t.dtype() == torch::kInt64) {
        EXPECT_EQ(flat[i].item<int64_t>(), values[i].as_int("value"));
      } else {
        EXPECT_EQ(flat[i].item<double>(), values[i].as_double("value"));  // exact: fp16/bf16/fp32 fit a double
      }
    }
  }
}

// --- bad files: one test per case --------------------------------------------------------------

TEST(Safetensors, EmptyFile) {
  TempDir dir;
  EXPECT_CONTAINS(file_error(dir, ""), "m.safetensors: empty file (0 bytes)");
}

TEST(Safetensors, FileShorterThanTheLengthField) {
  TempDir dir;
  EXPECT_CONTAINS(file_error(dir, std::string("\x05\x00\x00", 3)), "m.safetensors: 3 bytes, too short");
}

TEST(Safetensors, MissingFile) {
  TempDir dir;
  try {
    SafetensorsFile file(dir / "absent.safetensors");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "absent.safetensors").string() + ": file not found");
  }
}

TEST(Safetensors, TruncatedHeader) {
  std::string bytes = two_tensor_file();
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  EXPECT_CONTAINS(header_error(bytes.substr(0, 8 + header_length / 2)), "runs past the end of the");
}

TEST(Safetensors, TruncatedData) {
  std::string bytes = two_tensor_file();
  std::string e = header_error(bytes.substr(0, bytes.size() - 1));
  EXPECT_CONTAINS(e, "m.safetensors: tensor 'b'");
  EXPECT_CONTAINS(e, "run past the end of the data section");
}

TEST(Safetensors, TruncatedFileOnDisk) {
  TempDir dir;
  std::string bytes = two_tensor_file();
  EXPECT_CONTAINS(file_error(dir, bytes.substr(0, bytes.size() - 4)), "tensor 'b'");
}

TEST(Safetensors, FlippedBytesInTheHeader) {
  std::string bytes = two_tensor_file();
  size_t colon = bytes.find(':', 8);
  bytes[colon] = ';';  // {"a";{...
  std::string e = header_error(bytes);
  EXPECT_CONTAINS(e, "m.safetensors: header: line 1, column");
  EXPECT_CONTAINS(e, "expected ':'");
}

TEST(Safetensors, FlippedByteInTheLengthField) {
  std::string bytes = two_tensor_file();
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  // 8 bytes shorter: past the (at most 7) padding spaces, so the closing brace falls outside.
  std::string shortened = safetensors_bytes(bytes.substr(8, header_length - 8), bytes.substr(header_length),
                                            header_length - 8);
  EXPECT_CONTAINS(header_error(shortened), "m.safetensors: header: line 1");
}

TEST(Safetensors, EveryFlippedHeaderByteIsRejectedOrStillConsistent) {
  // Flipping any one bit of the header either fails cleanly or yields a header whose ranges
  // still pass the checks (e.g. a changed tensor name).
  const std::string good = two_tensor_file();
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(bytes[i] ^ (1 << bit));
      try {
        auto header = parse_safetensors_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "m");
        for (const auto& t : header.tensors) {
          ASSERT_LE(t.end, bytes.size() - header.data_offset) << "byte " << i << " bit " << bit;
        }
      } catch (const std::runtime_error&) {
      }
    }
  }
}

TEST(Safetensors, LyingSizeShapeTimesDtypeDiffersFromRange) {
  std::string bytes = safetensors_bytes("{" + entry("w", "F32", "[2,3]", 0, 20) + "}", std::string(24, '\0'));
  std::string e = header_error(bytes);
  EXPECT_CONTAINS(e, "m.safetensors: tensor 'w': shape [2, 3] x F32 (4 bytes) does not match data_offsets [0,20] (20 bytes)");
}

TEST(Safetensors, ShapeWhoseElementCountOverflows) {
  std::string bytes = safetensors_bytes(
      "{" + entry("w", "F32", "[4294967296,4294967296]", 0, 0) + "}", "");
  EXPECT_CONTAINS(header_error(bytes), "tensor 'w': shape 4294967296 overflows");
}

TEST(Safetensors, ShapeWhoseByteCountOverflows) {
  // numel fits in int64, numel x 8 bytes does not fit in uint64.
  std::string bytes = safetensors_bytes("{" + entry("w", "F64", "[4611686018427387904]", 0, 0) + "}", "");
  EXPECT_CONTAINS(header_error(bytes), "tensor 'w': shape [4611686018427387904] x F64");
}

TEST(Safetensors, NegativeDimension) {
  std::string bytes = safetensors_bytes("{" + entry("w", "F32", "[-1]", 0, 0) + "}", "");
  EXPECT_CONTAINS(header_error(bytes), "tensor 'w': negative dimension -1");
}

TEST(Safetensors, FractionalDimension) {
  std::string bytes = safetensors_bytes("{" + entry("w", "F32", "[1.5]", 0, 4) + "}", std::string(4, '\0'));
  EXPECT_CONTAINS(header_error(bytes), "tensor 'w': shape entry: expected an integer");
}

TEST(Safetensors, HugeHeaderLength) {
  std::string bytes = safetensors_bytes("{}", "", 0xFFFFFFFFFFFFFFFFull);
  EXPECT_CONTAINS(header_error(bytes), "m.safetensors: header length 18446744073709551615 exceeds the 100 MB limit");
}

TEST(Safetensors, HeaderLengthJustOverTheLimit) {
  std::string bytes = safetensors_bytes("{}", "", hspace::io::kMaxSafetensorsHeader + 1);
  EXPECT_CONTAINS(header_error(bytes), "exceeds the 100 MB limit");
}

TEST(Safetensors, HeaderLengthPastTheEndOfTheFile) {
  std::string bytes = safetensors_bytes("{}", "", 3);
  EXPECT_CONTAINS(header_error(bytes), "m.safetensors: header length 3 runs past the end of the 10-byte file");
}

TEST(Safetensors, OverlappingRanges) {
  std::string bytes = safetensors_bytes(
      "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", std::string(12, '\0'));
  EXPECT_CONTAINS(header_error(bytes), "m.safetensors: tensor 'b' (bytes 4-12) overlaps tensor 'a' (bytes 0-8)");
}

TEST(Safetensors, IdenticalRanges) {
  std::string bytes = safetensors_bytes(
      "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 0, 8) + "}", std::string(8, '\0'));
  EXPECT_CONTAINS(header_error(bytes), "overlaps tensor 'a'");
}

TEST(Safetensors, RangePastTheEnd) {
  std::string bytes = safetensors_bytes("{" + entry("a", "F32", "[2]", 8, 16) + "}", std::string(12, '\0'));
  EXPECT_CONTAINS(header_error(bytes),
                  "m.safetensors: tensor 'a': data_offsets [8,16] run past the end of the data section (12 bytes)");
}

TEST(Safetensors, RangeEndBeforeBegin) {
  std::string bytes = safetensors_bytes("{" + entry("a", "U8", "[0]", 8, 4) + "}", std::string(12, '\0'));
  EXPECT_CONTAINS(header_error(bytes), "tensor 'a': data_offsets [8,4] end before begin");
}

TEST(Safetensors, DataOffsetsNotAPair) {
  std::string bytes = safetensors_bytes("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", "x");
  EXPECT_CONTAINS(header_error(bytes), "tensor 'a': data_offsets must be [begin, end]");
}

TEST(Safetensors, UnknownDtype) {
  std::string bytes = safetensors_bytes("{" + entry("a", "F8_E4M3", "[2]", 0, 2) + "}", std::string(2, '\0'));
  EXPECT_CONTAINS(header_error(bytes), "m.safetensors: tensor 'a': unsupported dtype 'F8_E4M3' (supported: F64, F32,");
}

TEST(Safetensors, MissingDtype) {
  std::string bytes = safetensors_bytes("{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", "x");
  EXPECT_CONTAINS(header_error(bytes), "tensor 'a': missing field 'dtype'");
}

TEST(Safetensors, UnknownFieldInAnEntry) {
  std::string bytes = safetensors_bytes("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":1}}", "x");
  EXPECT_CONTAINS(header_error(bytes), "tensor 'a': unknown field 'x'");
}

TEST(Safetensors, HeaderNotAnObject) {
  EXPECT_CONTAINS(header_error(safetensors_bytes("[1,2]", "")), "m.safetensors: header is not a JSON object");
}

TEST(Safetensors, EntryNotAnObject) {
  EXPECT_CONTAINS(header_error(safetensors_bytes("{\"a\":[0,1]}", "x")), "m.safetensors: tensor 'a': entry is not a JSON object");
}

TEST(Safetensors, MetadataWithANonStringValue) {
  std::string e = header_error(safetensors_bytes("{\"__metadata__\":{\"n\":1}}", ""));
  EXPECT_CONTAINS(e, "m.safetensors: header: __metadata__ 'n': expected a string");
}

TEST(Safetensors, DuplicateTensorName) {
  std::string bytes = safetensors_bytes(
      "{" + entry("a", "U8", "[1]", 0, 1) + "," + entry("a", "U8", "[1]", 1, 2) + "}", std::string(2, '\0'));
  EXPECT_CONTAINS(header_error(bytes), "duplicate key \"a\"");
}

TEST(Safetensors, TrailingGarbageAfterTheHeader) {
  std::string bytes = safetensors_bytes("{} x", "");
  EXPECT_CONTAINS(header_error(bytes), "m.safetensors: header: line 1, column 4: unexpected data after the JSON value");
}

TEST(Safetensors, MisalignedTensorIsCopiedToAlignedMemory) {
  TempDir dir;
  // The data section starts 8-aligned; the F32 tensor begins at its byte 1.
  std::string header = "{" + entry("pad", "U8", "[1]", 0, 1) + "," + entry("w", "F32", "[1]", 1, 5) + "}";
  float value = 3.25f;
  std::string data(1, '\x07');
  data.append(reinterpret_cast<const char*>(&value), 4);
  write_file(dir / "m.safetensors", safetensors_bytes(header, data));
  SafetensorsFile file(dir / "m.safetensors");
  auto w = file.tensor("w");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w.data_ptr()) % 4, 0u);
  EXPECT_EQ(w.item<float>(), 3.25f);
}

// --- checkpoints -------------------------------------------------------------------------------

namespace {

// shard-1 holds a and b, shard-2 holds c; the index maps them so.
void write_sharded(const TempDir& dir, const std::string& weight_map) {
  write_file(dir / "model-1.safetensors", f32_file({{"a", {1, 2}}, {"b", {3}}}));
  write_file(dir / "model-2.safetensors", f32_file({{"c", {4, 5, 6}}}));
  write_file(dir / "model.safetensors.index.json",
             "{\"metadata\": {\"total_size\": 24}, \"weight_map\": " + weight_map + "}");
}

const char* kGoodMap = R"({"a": "model-1.safetensors", "b": "model-1.safetensors", "c": "model-2.safetensors"})";

std::string checkpoint_error(const std::filesystem::path& path) {
  try {
    Checkpoint::open(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Checkpoint, SingleFile) {
  TempDir dir;
  write_file(dir / "m.safetensors", two_tensor_file());
  auto checkpoint = Checkpoint::open(dir / "m.safetensors");
  EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(checkpoint.parameter_count(), 5);
  EXPECT_EQ(checkpoint.dtypes(), (std::vector<std::string>{"F32"}));
  EXPECT_TRUE(torch::equal(checkpoint.tensor("b"), torch::tensor({4.f, 5.f})));
  EXPECT_EQ(checkpoint.info("a").shape, (std::vector<int64_t>{3}));
  EXPECT_THROW(checkpoint.info("zz"), std::runtime_error);
}

TEST(Checkpoint, ShardedIndex) {
  TempDir dir;
  write_sharded(dir, kGoodMap);
  auto checkpoint = Checkpoint::open(dir / "model.safetensors.index.json");
  EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(checkpoint.parameter_count(), 6);
  EXPECT_TRUE(torch::equal(checkpoint.tensor("c"), torch::tensor({4.f, 5.f, 6.f})));
  EXPECT_TRUE(torch::equal(checkpoint.tensor("a"), torch::tensor({1.f, 2.f})));
}

TEST(Checkpoint, TensorKeepsItsFileMappedAfterTheCheckpointIsGone) {
  TempDir dir;
  write_file(dir / "m.safetensors", two_tensor_file());
  torch::Tensor a;
  {
    auto checkpoint = Checkpoint::open(dir / "m.safetensors");
    a = checkpoint.tensor("a");
  }
  EXPECT_TRUE(torch::equal(a, torch::tensor({1.f, 2.f, 3.f})));
}

TEST(Checkpoint, ShardedIndexWithAMissingShard) {
  TempDir dir;
  write_sharded(dir, R"({"a": "model-1.safetensors", "b": "model-1.safetensors", "c": "model-3.safetensors"})");
  std::string e = checkpoint_error(dir / "model.safetensors.index.json");
  EXPECT_CONTAINS(e, (dir / "model.safetensors.index.json").string() + ": shard 'model-3.safetensors'");
  EXPECT_CONTAINS(e, "does not exist at " + (dir / "model-3.safetensors").string());
}

TEST(Checkpoint, ShardedIndexWithATensorInTheWrongShard) {
  TempDir dir;
  write_sharded(dir, R"({"a": "model-1.safetensors", "b": "model-2.safetensors", "c": "model-2.safetensors"})");
  std::string e = checkpoint_error(dir / "model.safetensors.index.json");
  EXPECT_CONTAINS(e, "model.safetensors.index.json: shard 'model-1.safetensors' holds tensor 'b' which the "
                     "weight_map assigns to shard 'model-2.safetensors'");
}

TEST(Checkpoint, ShardedIndexWithAnUnlistedTensor) {
  TempDir dir;
  write_sharded(dir, R"({"a": "model-1.safetensors", "c": "model-2.safetensors"})");
  EXPECT_CONTAINS(checkpoint_error(dir / "model.safetensors.index.json"),
                  "shard 'model-1.safetensors' holds tensor 'b' which the weight_map does not list");
}

TEST(Checkpoint, ShardedIndexNamingATensorTheShardLacks) {
  TempDir dir;
  write_sharded(dir, R"({"a": "model-1.safetensors", "b": "model-1.safetensors", "c": "model-2.safetensors",
                         "d": "model-2.safetensors"})");
  EXPECT_CONTAINS(checkpoint_error(dir / "model.safetensors.index.json"),
                  "the weight_map puts tensor 'd' in shard 'model-2.safetensors', which lacks it");
}

TEST(Checkpoint, ShardedIndexWithAPathOutsideItsFolder) {
  TempDir dir;
  write_sharded(dir, R"({"a": "../model-1.safetensors"})");
  EXPECT_CONTAINS(checkpoint_error(dir / "model.safetensors.index.json"),
                  "shard '../model-1.safetensors' of tensor 'a' is not a file name in the index's folder");
}

TEST(Checkpoint, ShardedIndexWithoutWeightMap) {
  TempDir dir;
  write_file(dir / "model.safetensors.index.json", "{\"metadata\": {}}");
  EXPECT_CONTAINS(checkpoint_error(dir / "model.safetensors.index.json"), "missing field 'weight_map'");
}

TEST(Checkpoint, ShardedIndexWithABrokenShardNamesTheShard) {
  TempDir dir;
  write_sharded(dir, kGoodMap);
  write_file(dir / "model-2.safetensors", "");
  EXPECT_CONTAINS(checkpoint_error(dir / "model.safetensors.index.json"),
                  (dir / "model-2.safetensors").string() + ": empty file");
}
