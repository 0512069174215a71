# Compiles every ```cpp block of README.md and docs/*.md, so the docs cannot rot.
# extract_snippets.py turns each block into a translation unit (tests/docs/README.md has the
# convention); they form the object library sluice_doc_snippets, which sluice_tests depends
# on: a snippet that does not compile fails the build. Editing a page re-runs the extraction.
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  message(WARNING "python3 not found: documentation snippets are not compiled")
  return()
endif()

file(GLOB _sluice_doc_pages CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/docs/*.md")
list(APPEND _sluice_doc_pages "${PROJECT_SOURCE_DIR}/README.md")
file(GLOB _sluice_doc_preludes CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/prelude/*.hpp")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${_sluice_doc_pages} "${CMAKE_CURRENT_LIST_DIR}/extract_snippets.py")

execute_process(
  COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/extract_snippets.py"
          --root "${PROJECT_SOURCE_DIR}" --prelude-dir "${CMAKE_CURRENT_LIST_DIR}/prelude"
          --out "${CMAKE_CURRENT_BINARY_DIR}/doc_snippets" ${_sluice_doc_pages}
  OUTPUT_VARIABLE _sluice_doc_snippets
  RESULT_VARIABLE _sluice_doc_result)
if(NOT _sluice_doc_result EQUAL 0)
  message(FATAL_ERROR "extracting documentation snippets failed")
endif()
string(REPLACE "\n" ";" _sluice_doc_snippets "${_sluice_doc_snippets}")
list(FILTER _sluice_doc_snippets INCLUDE REGEX "\\.cpp$")

if(_sluice_doc_snippets)
  add_library(sluice_doc_snippets OBJECT ${_sluice_doc_snippets})
  target_link_libraries(sluice_doc_snippets PRIVATE sluice::sluice)
  target_include_directories(sluice_doc_snippets PRIVATE "${CMAKE_CURRENT_LIST_DIR}/prelude")
  # Snippets are fragments: unused names and lambdas that fall off their end are fine.
  target_compile_options(sluice_doc_snippets PRIVATE -Wno-unused -Wno-return-type)
  add_dependencies(sluice_tests sluice_doc_snippets)
endif()
