// The C++ API as JavaCPP sees it: versions, defaults, and errors that name what went wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "hspace.h"

namespace {

// Default params with one field changed.
hs_engine_params params_with(const std::function<void(hs_engine_params&)>& change) {
  hs_engine_params params;
  hs_engine_params_init(&params);
  change(params);
  return params;
}

// The message of the error hs_engine_create raises for these params (on /tmp, which is no model).
std::string create_error(const hs_engine_params& params) {
  try {
    hs_engine_destroy(hs_engine_create("/tmp", &params));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

// hs_engine_describe of the embedded toy model opened with these params.
std::string toy_description(const hs_engine_params& params) {
  const std::string toy = std::string(HSPACE_REPO_ROOT) + "/models/toy";
  hs_engine* engine = hs_engine_create(toy.c_str(), &params);
  std::string description = hs_engine_describe(engine);
  hs_engine_destroy(engine);
  return description;
}

}  // namespace

TEST(Api, VersionNamesLibTorch) {
  std::string version = hs_version();
  EXPECT_NE(version.find("hspace "), std::string::npos) << version;
  EXPECT_NE(version.find("LibTorch "), std::string::npos) << version;
}

TEST(Api, ParamsDefaultToCpuAuto) {
  hs_engine_params params;
  params.device = 7;
  params.dtype = 3;
  params.num_threads = 9;
  params.memory_format = HS_MEMORY_CHANNELS_LAST;
  params.reuse_cpu_blocks = 0;
  hs_engine_params_init(&params);
  EXPECT_EQ(params.device, -1);
  EXPECT_EQ(params.dtype, HS_DTYPE_AUTO);
  EXPECT_EQ(params.num_threads, 0);
  EXPECT_EQ(params.memory_format, HS_MEMORY_AUTO);
  EXPECT_EQ(params.reuse_cpu_blocks, 1);
}

TEST(Api, MissingModelFolderIsNamed) {
  try {
    hs_engine_create("/nonexistent/model-folder", nullptr);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model-folder"), std::string::npos) << e.what();
  }
}

TEST(Api, UnknownDtypeCodeIsRejected) {
  hs_engine_params params;
  hs_engine_params_init(&params);
  params.dtype = 42;
  EXPECT_THROW(hs_engine_create("/tmp", &params), std::runtime_error);
}

TEST(Api, UnknownMemoryFormatCodeIsRejected) {
  const std::string message = create_error(params_with([](hs_engine_params& p) { p.memory_format = 7; }));
  EXPECT_NE(message.find("memory_format"), std::string::npos) << message;
}

TEST(Api, ReuseCpuBlocksOtherThanZeroOrOneIsRejected) {
  const std::string message = create_error(params_with([](hs_engine_params& p) { p.reuse_cpu_blocks = 2; }));
  EXPECT_NE(message.find("reuse_cpu_blocks"), std::string::npos) << message;
}

// The description records the layout the engine runs in, for the outputs' provenance.
TEST(Api, DescriptionRecordsTheMemoryFormat) {
  for (auto [code, name] : {std::pair{HS_MEMORY_AUTO, "contiguous"}, std::pair{HS_MEMORY_CHANNELS_LAST, "channels_last"}}) {
    std::string description = toy_description(params_with([code = code](hs_engine_params& p) { p.memory_format = code; }));
    EXPECT_NE(description.find(std::string("\"memory_format\":\"") + name + "\""), std::string::npos) << description;
  }
}

TEST(Api, DescriptionRecordsCpuBlockReuse) {
  for (auto [value, name] : {std::pair{1, "true"}, std::pair{0, "false"}}) {
    std::string description = toy_description(params_with([value = value](hs_engine_params& p) { p.reuse_cpu_blocks = value; }));
    EXPECT_NE(description.find(std::string("\"reuse_cpu_blocks\":") + name), std::string::npos) << description;
  }
}

TEST(Api, CudaDeviceWithoutCudaIsRejected) {
  if (hs_cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  hs_engine_params params;
  hs_engine_params_init(&params);
  params.device = 0;
  try {
    hs_engine_create("/tmp", &params);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA device"), std::string::npos) << e.what();
  }
}
