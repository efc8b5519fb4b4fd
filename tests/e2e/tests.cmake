# End-to-end tests: the CLI on real images.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
# Debian's interpreter sees Debian's python3-* packages (jsonschema) even
# when another python3 comes first on PATH.
if(EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()

add_test(NAME e2e.corpus_build
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/corpus.sh ${FG_SHARED_DIR} ${FG_CORPUS_DIR})
set_tests_properties(e2e.corpus_build PROPERTIES FIXTURES_SETUP corpus SKIP_RETURN_CODE 77
  TIMEOUT 1500 RUN_SERIAL TRUE)

add_test(NAME e2e.corpus
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_corpus.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR})
set_tests_properties(e2e.corpus PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 1500)

add_test(NAME e2e.cli
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_cli.py
          --firmgate $<TARGET_FILE:firmgate> --source ${CMAKE_SOURCE_DIR}
          --demo ${CMAKE_BINARY_DIR}/demo/demo-router.img --tmp ${CMAKE_BINARY_DIR}/test-tmp/cli)
set_tests_properties(e2e.cli PROPERTIES TIMEOUT 600)

add_test(NAME e2e.samples
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_samples.py
          --firmgate $<TARGET_FILE:firmgate> --shared ${FG_SHARED_DIR})
set_tests_properties(e2e.samples PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)

add_test(NAME e2e.unpack
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_unpack.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR})
set_tests_properties(e2e.unpack PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 1500)

add_test(NAME e2e.unpack_stream
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_unpack_stream.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR}
          --samples ${FG_SHARED_DIR}/samples)
set_tests_properties(e2e.unpack_stream PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 1500)

add_test(NAME e2e.sarif
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_sarif.py
          --firmgate $<TARGET_FILE:firmgate> --source ${CMAKE_SOURCE_DIR}
          --demo ${CMAKE_BINARY_DIR}/demo/demo-router.img --tmp ${CMAKE_BINARY_DIR}/test-tmp/sarif
          --corpus ${FG_CORPUS_DIR})
set_tests_properties(e2e.sarif PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 600)

add_test(NAME e2e.compliance
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_compliance.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR})
set_tests_properties(e2e.compliance PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 600)

add_test(NAME e2e.declaration
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_declaration.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR} --source ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e.declaration PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 900)

add_test(NAME e2e.vulns
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_vulns.py
          --firmgate $<TARGET_FILE:firmgate> --shared ${FG_SHARED_DIR}
          --tmp ${CMAKE_BINARY_DIR}/test-tmp/vulns)
set_tests_properties(e2e.vulns PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)

add_test(NAME e2e.hardening
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_hardening.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR} --shared ${FG_SHARED_DIR}
          --tmp ${CMAKE_BINARY_DIR}/test-tmp/hardening)
set_tests_properties(e2e.hardening PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 900 SKIP_RETURN_CODE 77)

add_test(NAME e2e.inventory
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_inventory.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR} --shared ${FG_SHARED_DIR}
          --known-issues ${CMAKE_SOURCE_DIR}/docs/INVENTORY-KNOWN-ISSUES.md)
set_tests_properties(e2e.inventory PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 1500)

add_test(NAME e2e.sbom
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_sbom.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR}
          --schemas ${CMAKE_CURRENT_SOURCE_DIR}/data/schemas --tmp ${CMAKE_BINARY_DIR}/test-tmp/sbom)
set_tests_properties(e2e.sbom PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 1500)

add_test(NAME e2e.signatures_doc
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/gen-signature-doc.py --check
          --root ${CMAKE_SOURCE_DIR})

add_test(NAME e2e.sample_formats
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_sample_formats.py
          --firmgate $<TARGET_FILE:firmgate> --shared ${FG_SHARED_DIR})
set_tests_properties(e2e.sample_formats PROPERTIES TIMEOUT 900 SKIP_RETURN_CODE 77)

add_test(NAME e2e.mcu_inventory
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_mcu_inventory.py
          --firmgate $<TARGET_FILE:firmgate> --shared ${FG_SHARED_DIR})
set_tests_properties(e2e.mcu_inventory PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)

add_test(NAME e2e.html
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_html.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR} --shared ${FG_SHARED_DIR}
          --tmp ${CMAKE_BINARY_DIR}/test-tmp/html)
set_tests_properties(e2e.html PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 900 SKIP_RETURN_CODE 77)

add_test(NAME e2e.diff
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_diff.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR}
          --tmp ${CMAKE_BINARY_DIR}/test-tmp/diff)
set_tests_properties(e2e.diff PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 900)

add_test(NAME e2e.gate
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_gate.py
          --firmgate $<TARGET_FILE:firmgate> --corpus ${FG_CORPUS_DIR} --shared ${FG_SHARED_DIR}
          --source ${CMAKE_SOURCE_DIR} --tmp ${CMAKE_BINARY_DIR}/test-tmp/gate)
set_tests_properties(e2e.gate PROPERTIES FIXTURES_REQUIRED corpus TIMEOUT 900 SKIP_RETURN_CODE 77)

add_test(NAME e2e.manpage
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_manpage.py
          --firmgate $<TARGET_FILE:firmgate> --page ${CMAKE_SOURCE_DIR}/man/firmgate.1
          --ci-doc ${CMAKE_SOURCE_DIR}/docs/CI.md)
set_tests_properties(e2e.manpage PROPERTIES TIMEOUT 120)

# The hostile-input suite (tests/hostile/, docs/ROBUSTNESS.md): bombs, path
# traversal, symlink loops, cut and corrupted images, absurd counts, deep
# nesting, hostile names; images made at test time. Writes hostile-results.md.
# Under ASan the memory limit is a measured RSS budget, not RLIMIT_AS.
set(FG_HOSTILE_ARGS "")
if(FG_SANITIZE)
  set(FG_HOSTILE_ARGS --sanitize)
endif()
add_test(NAME hostile.suite
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/hostile/run_hostile.py
          --firmgate $<TARGET_FILE:firmgate> --work ${CMAKE_BINARY_DIR}/test-tmp/hostile
          --results ${CMAKE_BINARY_DIR}/hostile-results.md ${FG_HOSTILE_ARGS})
set_tests_properties(hostile.suite PROPERTIES TIMEOUT 900)
