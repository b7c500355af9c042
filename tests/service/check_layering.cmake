# The handler library (awsfacade_service) depends on the backend interfaces
# only: neither it nor anything it links pulls in the simulators, the
# real-AWS backend or curl (they are app/'s), and no file under service/
# includes them. Run by ctest as service_layering:
#
#   cmake -DLINKS=<file> -DSOURCE_DIR=<repository root> -P check_layering.cmake
#
# LINKS: one line per library awsfacade_service links, directly or through
# another, as "<library> <- <what linked it> <- ... <- awsfacade_service"
# (written at configure time by tests/service/CMakeLists.txt).
set(forbidden_links "awsfacade_app|awsfacade_sim_|awsfacade_simulator|awsfacade_aws_backends|awsfacade_aws_transport|[Cc][Uu][Rr][Ll]")
# service/aws_wire/ speaks the AWS wire protocols, so it may use the codec
# and the signer (pure functions, no transport); nothing else of backends/aws/.
set(forbidden_includes "backends/simulator/|backends/aws/")
set(aws_wire_allowed "backends/aws/(json_codec|protocols|sigv4_signer)\\.h")

set(problems "")
file(STRINGS "${LINKS}" links)
if(NOT links)
  set(problems "${problems}\n  ${LINKS} is empty: the link walk found nothing")
endif()
foreach(line IN LISTS links)
  string(REGEX REPLACE " <- .*" "" library "${line}")
  if(library MATCHES "${forbidden_links}")
    set(problems "${problems}\n  links ${line}")
  endif()
endforeach()

file(GLOB_RECURSE sources "${SOURCE_DIR}/service/*.h" "${SOURCE_DIR}/service/*.cc")
foreach(source IN LISTS sources)
  file(RELATIVE_PATH path "${SOURCE_DIR}" "${source}")
  file(STRINGS "${source}" includes REGEX "^#include \"(${forbidden_includes})")
  foreach(include IN LISTS includes)
    if(path MATCHES "^service/aws_wire/" AND include MATCHES "\"${aws_wire_allowed}\"")
      continue()
    endif()
    set(problems "${problems}\n  ${path}: ${include}")
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "awsfacade_service must depend on the backend interfaces only "
                      "(the implementations belong to app/):${problems}")
endif()
list(LENGTH links count)
list(LENGTH sources files)
message(STATUS "awsfacade_service: ${count} libraries linked, ${files} files under service/, "
               "no simulator, AWS backend or curl")
