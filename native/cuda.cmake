# The CUDA module, libabw_cuda.so: built when a CUDA toolkit (nvcc, cuBLASLt, cuFFT) and cuDNN 9
# are found, loaded by the addon with dlopen at first use (src/cuda/api.h says why). Without a
# toolkit nothing here is built and the addon reports `cuda: unavailable` with the reason.
#
# Inputs: ABW_CUDA (ON/OFF), CUDNN_ROOT (optional: a folder with include/cudnn.h and lib/).
# Output: ABW_CUDA_BUILT (TRUE/FALSE), ABW_CUDA_NAME (what was found, for the build log).
set(ABW_CUDA_BUILT FALSE)
set(ABW_CUDA_NAME "none")
if(NOT ABW_CUDA OR APPLE OR WIN32)
  return()
endif()

include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  set(ABW_CUDA_NAME "none (nvcc not found)")
  return()
endif()
enable_language(CUDA)
find_package(CUDAToolkit QUIET)
if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cublasLt OR NOT TARGET CUDA::cufft)
  set(ABW_CUDA_NAME "none (CUDA toolkit without cuBLASLt/cuFFT)")
  return()
endif()

# cuDNN 9: a system package, a tarball under CUDNN_ROOT, or the nvidia-cudnn Python wheel.
find_path(ABW_CUDNN_INCLUDE cudnn.h HINTS ${CUDNN_ROOT} ENV CUDNN_ROOT ${CUDAToolkit_INCLUDE_DIRS} PATH_SUFFIXES include)
# NAMES_PER_DIR: the library beside the headers found under CUDNN_ROOT wins over a system copy of
# another version (the wheel ships only libcudnn.so.9, no libcudnn.so).
find_library(ABW_CUDNN_LIB NAMES cudnn libcudnn.so.9 NAMES_PER_DIR HINTS ${CUDNN_ROOT} ENV CUDNN_ROOT ${CUDAToolkit_LIBRARY_DIR}
             PATH_SUFFIXES lib lib64 lib/x86_64-linux-gnu)
if(NOT ABW_CUDNN_INCLUDE OR NOT ABW_CUDNN_LIB)
  set(ABW_CUDA_NAME "none (cuDNN 9 not found; set CUDNN_ROOT)")
  return()
endif()

# SASS for Ampere (sm_80) and Hopper (sm_90), and PTX of sm_90 so newer GPUs JIT-compile it.
# (Set on the target: enable_language(CUDA) has already filled CMAKE_CUDA_ARCHITECTURES with
# the compiler's default, which is older than anything the backend supports.)
set(ABW_CUDA_ARCHITECTURES "80-real;90" CACHE STRING "CUDA architectures of the CUDA module")

file(GLOB ABW_CUDA_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/src/cuda/*.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/cuda/*.cu
  ${CMAKE_CURRENT_SOURCE_DIR}/src/cuda/kernels/*.cu)
# The few shared helpers the module needs, compiled into it (kept private by -fvisibility=hidden).
list(APPEND ABW_CUDA_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/params.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/dtype.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/shape.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/stft_params.cpp)

# cuFFT LTO callbacks: src/cuda/callbacks/<name>.cu compiled to LTO-IR and embedded as an array
# of 64-bit words (a fatbin must be 8-byte aligned; a byte array need not be) in the generated
# header <name>_fatbin.h, array abw_<name>_fatbin; cuFFT links it into its own kernels at plan
# time (cufftXtSetJITCallback). The module is compiled with `define`=1 for each callback built
# (abw_lto_callback(name define)). Without bin2c none is built and the ops keep their kernel
# paths (fft_conv its multiply kernel, stft its padded-signal path).
find_program(ABW_BIN2C bin2c HINTS ${CUDAToolkit_BIN_DIR})
set(ABW_CB_DIR ${CMAKE_CURRENT_BINARY_DIR}/generated)
set(ABW_CB_DEFINES "")
function(abw_lto_callback name define)
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/src/cuda/callbacks/${name}.cu)
  file(GLOB infos ${CMAKE_CURRENT_SOURCE_DIR}/src/cuda/callbacks/*.h)
  add_custom_command(OUTPUT ${ABW_CB_DIR}/${name}_fatbin.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ABW_CB_DIR}
    COMMAND ${CMAKE_CUDA_COMPILER} -std=c++17 -dc -fatbin -gencode arch=compute_80,code=lto_80 -gencode arch=compute_90,code=lto_90
            -I${CMAKE_CURRENT_SOURCE_DIR}/src ${src} -o ${ABW_CB_DIR}/${name}.fatbin
    COMMAND ${ABW_BIN2C} --const --type longlong --name abw_${name}_fatbin ${ABW_CB_DIR}/${name}.fatbin > ${ABW_CB_DIR}/${name}_fatbin.h
    DEPENDS ${src} ${infos})
  set(ABW_CUDA_SOURCES ${ABW_CUDA_SOURCES} ${ABW_CB_DIR}/${name}_fatbin.h PARENT_SCOPE)
  set(ABW_CB_DEFINES ${ABW_CB_DEFINES} ${define}=1 PARENT_SCOPE)
endfunction()
if(ABW_BIN2C)
  abw_lto_callback(fft_conv_store ABW_FFT_CONV_LTO)  # fft_conv: spectral multiply on the R2C's stores
  abw_lto_callback(stft_load ABW_STFT_LTO)           # stft: framing, padding and window on the R2C's loads
endif()

add_library(abw_cuda SHARED ${ABW_CUDA_SOURCES})
if(ABW_BIN2C)
  target_include_directories(abw_cuda PRIVATE ${ABW_CB_DIR})
  target_compile_definitions(abw_cuda PRIVATE ${ABW_CB_DEFINES} ABW_CUDA_LIBDIR="${CUDAToolkit_LIBRARY_DIR}")
endif()
set_target_properties(abw_cuda PROPERTIES
  OUTPUT_NAME "abw_cuda"
  CUDA_RUNTIME_LIBRARY Static   # no libcudart.so needed at run time; libcuda is found by the runtime itself
  CXX_VISIBILITY_PRESET hidden
  CUDA_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON
  CUDA_STANDARD 17
  CUDA_STANDARD_REQUIRED ON
  CUDA_ARCHITECTURES "${ABW_CUDA_ARCHITECTURES}")
target_include_directories(abw_cuda PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src ${ABW_CUDNN_INCLUDE})
target_link_libraries(abw_cuda PRIVATE CUDA::cublasLt CUDA::cufft ${ABW_CUDNN_LIB} ${CMAKE_DL_LIBS})
target_compile_options(abw_cuda PRIVATE
  $<$<COMPILE_LANGUAGE:CXX>:-O3 -Wall -Wno-unused-parameter -fno-math-errno>
  # No --use_fast_math: precision is what the matrix measures; the kernels say where they use
  # fast intrinsics on purpose.
  $<$<COMPILE_LANGUAGE:CUDA>:-O3 --expt-relaxed-constexpr -Xcompiler=-fno-math-errno>)
# Find the CUDA libraries where the toolkit put them, also when the toolkit is not on ld's path.
set_target_properties(abw_cuda PROPERTIES BUILD_RPATH "${CUDAToolkit_LIBRARY_DIR}" INSTALL_RPATH "${CUDAToolkit_LIBRARY_DIR}")

set(ABW_CUDA_BUILT TRUE)
set(ABW_CUDA_NAME "CUDA ${CUDAToolkit_VERSION}, archs ${ABW_CUDA_ARCHITECTURES}, cuDNN ${ABW_CUDNN_LIB}")
