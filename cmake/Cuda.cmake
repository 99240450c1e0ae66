# Decides once whether the engine is built with CUDA, and says which way it went.
#
# CUDA needs both a LibTorch built with CUDA and nvcc: from CUDACXX, PATH, a toolkit in
# /usr/local/cuda, or the pip package nvidia-cuda-nvcc-cu12 in .venv (matching torch's CUDA).
# Defines HSPACE_WITH_CUDA and, when ON, the target hspace::torch_cuda, and appends the CUDA
# runtime's folders to HSPACE_TORCH_RPATH.

option(HSPACE_CUDA "Build the CUDA kernels when LibTorch and nvcc allow it" ON)
set(HSPACE_WITH_CUDA OFF)

if(HSPACE_CUDA AND HSPACE_TORCH_HAS_CUDA)
  if(NOT DEFINED ENV{CUDACXX} AND NOT CMAKE_CUDA_COMPILER)
    file(GLOB _hspace_pip_nvcc "${CMAKE_CURRENT_LIST_DIR}/../.venv/lib/python3*/site-packages/nvidia/cuda_nvcc/bin/nvcc")
    find_program(_hspace_nvcc nvcc HINTS /usr/local/cuda/bin)
    if(_hspace_nvcc)
      set(CMAKE_CUDA_COMPILER "${_hspace_nvcc}")
    elseif(_hspace_pip_nvcc)
      list(GET _hspace_pip_nvcc 0 CMAKE_CUDA_COMPILER)
    endif()
  endif()
  # Ampere, Ada and Hopper unless the caller names its own (e.g. -DCMAKE_CUDA_ARCHITECTURES=native).
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 86 89 90)
  endif()
  # The kernels share the CUDA runtime the process loads (LibTorch's) rather than a static copy.
  set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    set(HSPACE_WITH_CUDA ON)
  endif()
endif()

if(HSPACE_WITH_CUDA)
  set(_hspace_torch_lib "${HSPACE_TORCH_PREFIX}/lib")
  # pip's CUDA headers live beside the wheel, one folder per library.
  file(GLOB _hspace_pip_cuda_includes "${HSPACE_TORCH_PREFIX}/../nvidia/*/include")
  add_library(hspace_torch_cuda INTERFACE)
  add_library(hspace::torch_cuda ALIAS hspace_torch_cuda)
  target_include_directories(hspace_torch_cuda SYSTEM INTERFACE ${CMAKE_CUDA_TOOLKIT_INCLUDE_DIRECTORIES} ${_hspace_pip_cuda_includes})
  # --no-as-needed: nothing references libtorch_cuda by symbol, yet loading it registers the CUDA kernels.
  target_link_libraries(hspace_torch_cuda INTERFACE
    "-Wl,--no-as-needed" "${_hspace_torch_lib}/libtorch_cuda.so" "${_hspace_torch_lib}/libc10_cuda.so" "-Wl,--as-needed")
  target_compile_definitions(hspace_torch_cuda INTERFACE HSPACE_WITH_CUDA=1)
  # The kernels need the shared CUDA runtime at load time: torch's own (pip) first, then the toolkit's.
  get_filename_component(_hspace_cuda_bin "${CMAKE_CUDA_COMPILER}" DIRECTORY)
  file(GLOB _hspace_pip_cuda_libs "${HSPACE_TORCH_PREFIX}/../nvidia/*/lib")
  list(APPEND HSPACE_TORCH_RPATH ${_hspace_pip_cuda_libs} "${_hspace_cuda_bin}/../lib64")
  message(STATUS "hspace: building with CUDA (nvcc ${CMAKE_CUDA_COMPILER_VERSION})")
elseif(NOT HSPACE_TORCH_HAS_CUDA)
  message(STATUS "hspace: building CPU-only (this LibTorch has no CUDA)")
else()
  message(STATUS "hspace: building CPU-only (no nvcc found; install a CUDA toolkit or pip nvidia-cuda-nvcc-cu12 for the CUDA build)")
endif()
