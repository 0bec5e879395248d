# Runs `MPIEXEC -np 2 FAILING_RANK MODE` with a time limit and checks that the job fails,
# in time, with EXPECT in its output (tests/dist/failing_rank.cpp).
execute_process(COMMAND ${MPIEXEC} --allow-run-as-root --oversubscribe -np 2 ${FAILING_RANK} ${MODE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
message("${out}${err}")
if(rc STREQUAL "0")
  message(FATAL_ERROR "the job with a failing rank exited with 0")
endif()
if(rc MATCHES "timeout")
  message(FATAL_ERROR "the job with a failing rank hung: killed after 60 s")
endif()
string(FIND "${out}${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the job's output lacks '${EXPECT}'")
endif()
