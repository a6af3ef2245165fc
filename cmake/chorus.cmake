# Helpers that keep every component's CMakeLists.txt to a few lines.

set(CHORUS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers)
# GCC 12 at -O3 reports std::vector<uint8_t> comparisons (memcmp with a length it cannot bound)
# as -Wstringop-overread; every such report in this tree has been a false positive of that kind.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND CHORUS_WARNINGS -Wno-stringop-overread)
endif()

if(CHORUS_ASAN)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(CHORUS_FUZZ)
  # Everything is instrumented for coverage; only the fuzz executables get libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# chorus_library(NAME SOURCES a.cc b.cc DEPS other_lib)
function(chorus_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${CHORUS_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# chorus_test(NAME SOURCES a_test.cc DEPS lib): a GoogleTest binary registered with ctest.
function(chorus_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${CHORUS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES ENVIRONMENT "CHORUS_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# chorus_fuzz(NAME SOURCES a_fuzz.cc DEPS lib): a libFuzzer target. In a CHORUS_FUZZ build it is a
# real fuzzer; in every other build it links a replay driver and ctest runs it over its seed corpus
# in fuzz/corpus/NAME, so the targets always compile and the seeds stay crash-free.
function(chorus_fuzz name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${CHORUS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  if(CHORUS_FUZZ)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_link_libraries(${name} PRIVATE chorus_fuzz_replay)
    add_test(NAME ${name}.seeds COMMAND ${name} ${CMAKE_SOURCE_DIR}/fuzz/corpus/${name})
  endif()
endfunction()

# chorus_c_canister(NAME OUTPUT file.wasm TARGET wasm32|wasm64 SOURCES a.c [FLAGS ...]): a
# freestanding C canister compiled with Debian's clang and wasm-ld (no libc; the System API from
# cdk/include/ic0.h), built by the ALL target into OUTPUT. Entry points are exported by the
# sources' export_name attributes ("canister_update x" has a space, which -Wl,--export cannot
# name). --export-table is needed because wasm-ld 14 drops the function table of a module that
# makes no call_indirect, and callbacks given to ic0.call_new are indices into that table.
find_program(CHORUS_CLANG NAMES clang clang-14)
function(chorus_c_canister name)
  cmake_parse_arguments(ARG "" "OUTPUT;TARGET" "SOURCES;FLAGS" ${ARGN})
  if(NOT CHORUS_CLANG)
    message(FATAL_ERROR "clang is needed to build the test canisters (./x installs it)")
  endif()
  set(sources)
  foreach(s ${ARG_SOURCES})
    list(APPEND sources ${CMAKE_CURRENT_SOURCE_DIR}/${s})
  endforeach()
  add_custom_command(OUTPUT ${ARG_OUTPUT}
    COMMAND ${CHORUS_CLANG} --target=${ARG_TARGET} -O2 -std=c11 -Wall -Wextra -Werror
      -nostdlib -ffreestanding -fno-builtin -I${CMAKE_SOURCE_DIR}/cdk/include
      -Wl,--no-entry -Wl,--export-table ${ARG_FLAGS} -o ${ARG_OUTPUT} ${sources}
    DEPENDS ${sources} ${CMAKE_SOURCE_DIR}/cdk/include/ic0.h
    COMMENT "clang --target=${ARG_TARGET}: ${name}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${ARG_OUTPUT})
endfunction()

# chorus_cpp_canister(NAME OUTPUT file.wasm SOURCES a.cc [DID file.did] [FLAGS ...] [DEPENDS ...]):
# a C++20 canister built with Debian's clang++ for wasm32-wasi against wasi-libc and libc++
# (exceptions and RTTI off), linked with the cdk runtime (cdk/src), which resolves the WASI
# functions libc needs inside the module so that it imports only "ic0". With DID, llvm-objcopy
# then embeds the file as the custom section "icp:public candid:service". DEPENDS lists further
# files (headers) whose change rebuilds the canister.
find_program(CHORUS_CLANGXX NAMES clang++ clang++-14)
find_program(CHORUS_LLVM_OBJCOPY NAMES llvm-objcopy llvm-objcopy-14)
set(CHORUS_CDK_SOURCES ${CMAKE_SOURCE_DIR}/cdk/src/candid.cc ${CMAKE_SOURCE_DIR}/cdk/src/cdk.cc)
set(CHORUS_CDK_HEADERS ${CMAKE_SOURCE_DIR}/cdk/include/ic0.h
  ${CMAKE_SOURCE_DIR}/cdk/include/chorus/candid.h ${CMAKE_SOURCE_DIR}/cdk/include/chorus/cdk.h)
function(chorus_cpp_canister name)
  cmake_parse_arguments(ARG "" "OUTPUT;DID" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  if(NOT CHORUS_CLANGXX OR NOT CHORUS_LLVM_OBJCOPY)
    message(FATAL_ERROR "clang++ and llvm-objcopy are needed to build C++ canisters (./x installs them)")
  endif()
  if(NOT EXISTS /usr/lib/wasm32-wasi/libc++.a)
    message(FATAL_ERROR "libc++ for wasm32 is missing: apt-get install wasi-libc libc++-14-dev-wasm32 "
      "libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32 (./x installs them)")
  endif()
  set(sources)
  foreach(s ${ARG_SOURCES})
    list(APPEND sources ${CMAKE_CURRENT_SOURCE_DIR}/${s})
  endforeach()
  set(linked ${ARG_OUTPUT})
  set(post)
  if(ARG_DID)
    set(did ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_DID})
    set(linked ${ARG_OUTPUT}.nodid)
    set(post COMMAND ${CHORUS_LLVM_OBJCOPY} "--add-section=icp:public candid:service=${did}"
      ${linked} ${ARG_OUTPUT})
  endif()
  add_custom_command(OUTPUT ${ARG_OUTPUT}
    COMMAND ${CHORUS_CLANGXX} --target=wasm32-wasi --sysroot=/usr -std=c++20 -O2
      -fno-exceptions -fno-rtti -Wall -Wextra -I${CMAKE_SOURCE_DIR}/cdk/include
      -nostartfiles -Wl,--no-entry -Wl,--export-table -Wl,--strip-debug -Wl,-z,stack-size=1048576
      ${ARG_FLAGS} -o ${linked} ${sources} ${CHORUS_CDK_SOURCES}
    ${post}
    DEPENDS ${sources} ${did} ${CHORUS_CDK_SOURCES} ${CHORUS_CDK_HEADERS} ${ARG_DEPENDS}
    COMMENT "clang++ --target=wasm32-wasi: ${name}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${ARG_OUTPUT})
endfunction()
