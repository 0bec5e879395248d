# Installs the built tapegrad into a scratch prefix, then configures and builds the
# consumer project against it with find_package(tapegrad), and runs its program.
# Variables: BUILD_DIR (tapegrad's build tree), SOURCE_DIR (tests/install), WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/consumer -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer with find_package(tapegrad) failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed (${rc})")
endif()
execute_process(COMMAND ${WORK_DIR}/build/readme_example RESULT_VARIABLE rc
                OUTPUT_VARIABLE out)
message("${out}")
if(rc OR NOT out MATCHES "dy/dw = tensor")
  message(FATAL_ERROR "the installed README example did not run as expected (${rc})")
endif()
execute_process(COMMAND ${WORK_DIR}/build/umbrella RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
message("${out}${err}")
if(rc OR NOT out MATCHES "umbrella: [0-9]+ checks passed")
  message(FATAL_ERROR "the umbrella-header consumer failed (${rc})")
endif()
execute_process(COMMAND ${WORK_DIR}/build/xtensor_interop RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc OR NOT out MATCHES "xtensor interop: ok")
  message(FATAL_ERROR "the xtensor interop consumer failed (${rc})")
endif()
