// The C++ API as JavaCPP sees it: versions, defaults, and errors that name what went wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hspace.h"

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
  hs_engine_params_init(&params);
  EXPECT_EQ(params.device, -1);
  EXPECT_EQ(params.dtype, HS_DTYPE_AUTO);
  EXPECT_EQ(params.num_threads, 0);
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
