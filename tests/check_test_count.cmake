# CTest and Catch must agree on how many tests there are. A Catch test whose name contains ';' is split by
# catch_discover_tests into CTest entries that match nothing and "pass" with "No tests ran": such a test never runs.
# Run as: cmake -DCTEST=... -DBUILD_DIR=... -DTESTS_EXE=... -P check_test_count.cmake
# (Catch v2 exits with the number of tests listed, so its status is not an error code here.)
execute_process(COMMAND "${TESTS_EXE}" --list-test-names-only OUTPUT_VARIABLE names)
# One name per line; counted by its newline, since a CMake list would split on the very ';' this looks for.
string(REGEX REPLACE "\n\n+" "\n" names "${names}")
string(REGEX REPLACE "[^\n]" "" newlines "${names}")
string(LENGTH "${newlines}" catch_count)

execute_process(COMMAND "${CTEST}" --show-only=json-v1 --test-dir "${BUILD_DIR}" OUTPUT_VARIABLE json
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "ctest --show-only=json-v1 failed (${status})")
endif()
string(JSON total LENGTH "${json}" tests)
set(ctest_count 0)
if(total GREATER 0)
  math(EXPR last "${total} - 1")
  foreach(i RANGE ${last})
    string(JSON program ERROR_VARIABLE no_command GET "${json}" tests ${i} command 0)
    if(NOT no_command AND program STREQUAL TESTS_EXE)
      math(EXPR ctest_count "${ctest_count} + 1")
    endif()
  endforeach()
endif()

if(NOT catch_count EQUAL ctest_count)
  message(FATAL_ERROR "Catch lists ${catch_count} tests but CTest runs ${ctest_count} entries of nnlab_tests: a test "
                      "name with ';' (or another character CTest splits on) registers tests that run nothing; rename it")
endif()
message(STATUS "Catch and CTest agree: ${catch_count} tests")
