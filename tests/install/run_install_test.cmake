# Installs the built tapegrad into a scratch prefix, then configures and builds the
# consumer project against it with find_package(tapegrad), and runs its program.
# Variables: BUILD_DIR (tapegrad's build tree), SOURCE_DIR (tests/install), WORK_DIR,
# PYTHON and OBJDUMP (for check_isa_confinement.py), NATIVE (TAPEGRAD_NATIVE's value).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
# No instruction-set flag reaches a consumer (docs/cpu-dispatch.md): none in the exported
# targets, none on the consumer's compile lines.
set(isa_flag "-march|-mtune|-m(sse|avx|fma)")
file(GLOB exported ${WORK_DIR}/prefix/*/cmake/tapegrad/tapegradTargets*.cmake)
if(NOT exported)
  message(FATAL_ERROR "no tapegradTargets*.cmake under ${WORK_DIR}/prefix")
endif()
foreach(file IN LISTS exported)
  file(READ ${file} text)
  if(text MATCHES "${isa_flag}")
    message(FATAL_ERROR "${file} exports the instruction-set flag ${CMAKE_MATCH_0}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/consumer -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
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
file(READ ${WORK_DIR}/build/compile_commands.json commands)
if(commands MATCHES "${isa_flag}")
  message(FATAL_ERROR "the consumer was compiled with the instruction-set flag ${CMAKE_MATCH_0}")
endif()
# Forced to the SSE4.2 baseline, the same output; forced to a set that does not exist, a
# clear error naming it.
execute_process(COMMAND ${CMAKE_COMMAND} -E env TAPEGRAD_ISA=sse4.2 ${WORK_DIR}/build/readme_example
                RESULT_VARIABLE rc OUTPUT_VARIABLE out_sse)
if(rc OR NOT out_sse STREQUAL out)
  message(FATAL_ERROR "the README example forced to SSE4.2 printed (${rc}):\n${out_sse}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env TAPEGRAD_ISA=avx1024 ${WORK_DIR}/build/readme_example
                RESULT_VARIABLE rc OUTPUT_VARIABLE out_bad ERROR_VARIABLE err_bad)
if(NOT rc OR NOT err_bad MATCHES "TAPEGRAD_ISA=\"avx1024\" is not an instruction set")
  message(FATAL_ERROR "TAPEGRAD_ISA=avx1024 did not fail with its message (${rc}): ${err_bad}")
endif()
# Outside the kernel variants, the consumer's program holds no AVX instruction (a
# TAPEGRAD_NATIVE build is compiled for this CPU throughout, by design: not checked).
if(NOT NATIVE)
  foreach(program readme_example umbrella)
    execute_process(COMMAND ${PYTHON} ${SOURCE_DIR}/check_isa_confinement.py ${OBJDUMP}
                            ${WORK_DIR}/build/${program}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out_isa)
    message("${out_isa}")
    if(rc)
      message(FATAL_ERROR "AVX instructions outside the kernel variants in ${program}")
    endif()
  endforeach()
endif()
execute_process(COMMAND ${WORK_DIR}/build/umbrella RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
message("${out}${err}")
if(rc OR NOT out MATCHES "umbrella: [0-9]+ checks passed")
  message(FATAL_ERROR "the umbrella-header consumer failed (${rc})")
endif()
# Its checks hold on the SSE4.2 baseline too.
execute_process(COMMAND ${CMAKE_COMMAND} -E env TAPEGRAD_ISA=sse4.2 ${WORK_DIR}/build/umbrella
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "umbrella: [0-9]+ checks passed")
  message(FATAL_ERROR "the umbrella-header consumer forced to SSE4.2 failed (${rc}): ${out}${err}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/xtensor_interop RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc OR NOT out MATCHES "xtensor interop: ok")
  message(FATAL_ERROR "the xtensor interop consumer failed (${rc})")
endif()
