# Locates LibTorch and defines the one target every native target links: hspace::torch.
#
# Search order: LIBTORCH_HOME (a LibTorch zip or any torch install prefix), else the torch
# wheel inside the repository's .venv (tools/bootstrap installs it), else a torch importable
# by python3. PyPI's x86-64 torch is a CUDA build whose TorchConfig.cmake insists on a CUDA
# toolkit, so torch's headers and libraries are used directly here instead of find_package.
#
# Sets: HSPACE_TORCH_PREFIX, HSPACE_TORCH_HAS_CUDA, HSPACE_TORCH_CXX_FLAGS, HSPACE_TORCH_VERSION,
# HSPACE_TORCH_RPATH (the folders the built libraries and tools load LibTorch from).

set(_hspace_repo_root "${CMAKE_CURRENT_LIST_DIR}/..")

if(DEFINED ENV{LIBTORCH_HOME} AND NOT "$ENV{LIBTORCH_HOME}" STREQUAL "")
  set(HSPACE_TORCH_PREFIX "$ENV{LIBTORCH_HOME}")
  set(_hspace_torch_source "LIBTORCH_HOME")
else()
  set(_hspace_python "${_hspace_repo_root}/.venv/bin/python")
  if(NOT EXISTS "${_hspace_python}")
    set(_hspace_python python3)
  endif()
  execute_process(
    COMMAND "${_hspace_python}" -c "import os, torch; print(os.path.dirname(torch.__file__))"
    OUTPUT_VARIABLE HSPACE_TORCH_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _hspace_rc ERROR_QUIET)
  if(NOT _hspace_rc EQUAL 0)
    message(FATAL_ERROR
      "LibTorch not found: set LIBTORCH_HOME to a LibTorch folder, or run tools/bootstrap "
      "to install the pinned torch wheel into .venv.")
  endif()
  set(_hspace_torch_source "${_hspace_python}")
endif()

get_filename_component(HSPACE_TORCH_PREFIX "${HSPACE_TORCH_PREFIX}" REALPATH)
set(_hspace_torch_lib "${HSPACE_TORCH_PREFIX}/lib")
foreach(_required include/torch/csrc/api/include/torch/torch.h lib/libc10.so lib/libtorch_cpu.so)
  if(NOT EXISTS "${HSPACE_TORCH_PREFIX}/${_required}")
    message(FATAL_ERROR "LibTorch at ${HSPACE_TORCH_PREFIX} (from ${_hspace_torch_source}) lacks ${_required}")
  endif()
endforeach()

# The C++ ABI flag: older LibTorch builds record it in TorchConfig.cmake; torch >= 2.7 always
# uses the new ABI and no longer states it.
set(HSPACE_TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=1")
set(_hspace_torch_config "${HSPACE_TORCH_PREFIX}/share/cmake/Torch/TorchConfig.cmake")
if(EXISTS "${_hspace_torch_config}")
  file(STRINGS "${_hspace_torch_config}" _hspace_abi REGEX "set\\(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=[01]\"\\)")
  if(_hspace_abi)
    string(REGEX MATCH "-D_GLIBCXX_USE_CXX11_ABI=[01]" HSPACE_TORCH_CXX_FLAGS "${_hspace_abi}")
  endif()
endif()

set(HSPACE_TORCH_VERSION "unknown")
# torch >= 2.10 moved the version macros to torch/headeronly/version.h.
set(_hspace_version_h "${HSPACE_TORCH_PREFIX}/include/torch/headeronly/version.h")
if(NOT EXISTS "${_hspace_version_h}")
  set(_hspace_version_h "${HSPACE_TORCH_PREFIX}/include/torch/csrc/api/include/torch/version.h")
endif()
if(EXISTS "${_hspace_version_h}")
  foreach(_part MAJOR MINOR PATCH)
    file(STRINGS "${_hspace_version_h}" _hspace_line REGEX "#define TORCH_VERSION_${_part} ")
    string(REGEX MATCH "[0-9]+" _hspace_${_part} "${_hspace_line}")
  endforeach()
  set(HSPACE_TORCH_VERSION "${_hspace_MAJOR}.${_hspace_MINOR}.${_hspace_PATCH}")
endif()

set(HSPACE_TORCH_HAS_CUDA OFF)
if(EXISTS "${_hspace_torch_lib}/libtorch_cuda.so")
  set(HSPACE_TORCH_HAS_CUDA ON)
endif()

add_library(hspace_torch INTERFACE)
add_library(hspace::torch ALIAS hspace_torch)
target_include_directories(hspace_torch SYSTEM INTERFACE
  "${HSPACE_TORCH_PREFIX}/include"
  "${HSPACE_TORCH_PREFIX}/include/torch/csrc/api/include")
target_compile_options(hspace_torch INTERFACE ${HSPACE_TORCH_CXX_FLAGS})
# Only the CPU libraries are linked for a CPU build: the CUDA wheel's libtorch.so would drag in
# the whole CUDA runtime, which a machine without a GPU does not need.
target_link_libraries(hspace_torch INTERFACE
  "${_hspace_torch_lib}/libtorch_cpu.so" "${_hspace_torch_lib}/libc10.so")
set(HSPACE_TORCH_RPATH "${_hspace_torch_lib}")

message(STATUS "hspace: LibTorch ${HSPACE_TORCH_VERSION} at ${HSPACE_TORCH_PREFIX} (${HSPACE_TORCH_CXX_FLAGS}, CUDA in LibTorch: ${HSPACE_TORCH_HAS_CUDA})")
