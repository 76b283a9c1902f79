# Finds llama.cpp and defines the imported target mom::llama.
#
#   -DMOM_LLAMA_PREFIX=DIR   use an existing install (include/llama.h, lib/libllama.*,
#                            optionally bin/llama-server and bin/llama-bench)
#   otherwise                scripts/build-llama.sh builds the pinned llama.cpp once
#                            and caches it outside the work tree; set MOM_LLAMA_SOURCE
#                            in the environment to build your own checkout instead.

set(MOM_LLAMA_PREFIX "" CACHE PATH "llama.cpp install prefix; empty: build and cache the pinned version")

if(NOT MOM_LLAMA_PREFIX)
  message(STATUS "llama.cpp: running scripts/build-llama.sh (first run builds for several minutes)")
  execute_process(
    COMMAND "${PROJECT_SOURCE_DIR}/scripts/build-llama.sh"
    OUTPUT_VARIABLE llama_out
    RESULT_VARIABLE llama_rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT llama_rc EQUAL 0)
    message(FATAL_ERROR "scripts/build-llama.sh failed (exit ${llama_rc}); see its messages above")
  endif()
  string(REGEX REPLACE ".*\n" "" llama_out "${llama_out}")
  set(MOM_LLAMA_PREFIX "${llama_out}" CACHE PATH "llama.cpp install prefix" FORCE)
endif()

find_path(MOM_LLAMA_INCLUDE llama.h PATHS "${MOM_LLAMA_PREFIX}/include" NO_DEFAULT_PATH REQUIRED)
set(llama_libs)
foreach(lib llama ggml ggml-cpu ggml-base)
  find_library(MOM_LIB_${lib} NAMES ${lib} PATHS "${MOM_LLAMA_PREFIX}/lib" "${MOM_LLAMA_PREFIX}/lib64"
               NO_DEFAULT_PATH)
  if(MOM_LIB_${lib})
    list(APPEND llama_libs "${MOM_LIB_${lib}}")
  elseif(lib STREQUAL "llama" OR lib STREQUAL "ggml")
    message(FATAL_ERROR "lib${lib} not found under ${MOM_LLAMA_PREFIX}/lib")
  endif()
endforeach()

find_package(OpenMP)
add_library(mom_llama INTERFACE)
target_include_directories(mom_llama SYSTEM INTERFACE "${MOM_LLAMA_INCLUDE}")
# Static archives depend on each other in a cycle (ggml <-> ggml-cpu), so the
# group lets the linker revisit them.
target_link_libraries(mom_llama INTERFACE
  "-Wl,--start-group" ${llama_libs} "-Wl,--end-group"
  $<$<BOOL:${OpenMP_CXX_FOUND}>:OpenMP::OpenMP_CXX> Threads::Threads ${CMAKE_DL_LIBS} m)
add_library(mom::llama ALIAS mom_llama)

if(EXISTS "${MOM_LLAMA_PREFIX}/COMMIT")
  file(READ "${MOM_LLAMA_PREFIX}/COMMIT" MOM_LLAMA_COMMIT)
  string(STRIP "${MOM_LLAMA_COMMIT}" MOM_LLAMA_COMMIT)
else()
  set(MOM_LLAMA_COMMIT "unknown")
endif()
message(STATUS "llama.cpp: ${MOM_LLAMA_PREFIX} (commit ${MOM_LLAMA_COMMIT})")
