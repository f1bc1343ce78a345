# Helpers shared by every module's CMakeLists.txt.

# cohort_unit_test(<name> SOURCES <files...> LIBS <targets...> [TIMEOUT <s>])
# Builds tests/unit/<name>.c against cmocka and registers it with ctest under
# the label "unit" (the label the sanitizer pass runs).
function(cohort_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(NOT T_SOURCES)
    set(T_SOURCES ${name}.c)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA PkgConfig::JANSSON)
  target_compile_definitions(${name} PRIVATE
    COHORT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    COHORT_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS unit
    ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout")
endfunction()

# cohort_fuzz_target(<name> LIBS <targets...>)
# Builds tests/fuzz/<name>.c as a libFuzzer binary.
function(cohort_fuzz_target name)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  add_executable(${name} ${name}.c)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
