# Helpers that keep every component's CMakeLists.txt to a few lines.

set(CHORUS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers)

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
