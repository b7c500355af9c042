# awsfacade_protoc(OUT_SRCS <var> IMPORT_DIRS <dirs...> PROTOS <absolute proto paths...> [GRPC] [RPCS])
#
# Runs protoc (and the gRPC C++ plugin with GRPC; with RPCS our own plugin,
# cmake/protoc-gen-awsfacade_rpcs, which writes <stem>.rpcs.pb.h: each
# service's RPCs as X-macro lists) into ${AWSFACADE_GEN_DIR}; the
# generated code lives only in the build tree. Each proto path must sit under
# one of IMPORT_DIRS; the output path mirrors the path relative to that dir.
# Compile options for the generated protobuf sources only, after the build's
# own (the last -O wins). The sanitizer builds (scripts/sanitize.sh) give -O0:
# under ASan at -O1 the generated DynamoDB messages alone take 163 s to compile.
set(AWSFACADE_GENERATED_CXX_OPTIONS "" CACHE STRING
    "Extra compile options for the generated protobuf sources (a list)")

function(awsfacade_protoc)
  cmake_parse_arguments(ARG "GRPC;RPCS" "OUT_SRCS" "IMPORT_DIRS;PROTOS" ${ARGN})
  set(include_flags)
  foreach(dir IN LISTS ARG_IMPORT_DIRS)
    list(APPEND include_flags "-I${dir}")
  endforeach()
  set(srcs)
  foreach(proto IN LISTS ARG_PROTOS)
    set(rel "")
    foreach(dir IN LISTS ARG_IMPORT_DIRS)
      file(RELATIVE_PATH candidate "${dir}" "${proto}")
      if(NOT candidate MATCHES "^\\.\\.")
        set(rel "${candidate}")
        break()
      endif()
    endforeach()
    if(rel STREQUAL "")
      message(FATAL_ERROR "${proto} is under none of ${ARG_IMPORT_DIRS}")
    endif()
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    set(outs "${AWSFACADE_GEN_DIR}/${stem}.pb.cc" "${AWSFACADE_GEN_DIR}/${stem}.pb.h")
    set(plugin_args)
    if(ARG_GRPC)
      list(APPEND outs "${AWSFACADE_GEN_DIR}/${stem}.grpc.pb.cc" "${AWSFACADE_GEN_DIR}/${stem}.grpc.pb.h")
      set(plugin_args "--plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
                      "--grpc_out=${AWSFACADE_GEN_DIR}")
    endif()
    set(plugin_deps)
    if(ARG_RPCS)
      set(rpcs_plugin "${PROJECT_SOURCE_DIR}/cmake/protoc-gen-awsfacade_rpcs")
      list(APPEND outs "${AWSFACADE_GEN_DIR}/${stem}.rpcs.pb.h")
      list(APPEND plugin_args "--plugin=protoc-gen-awsfacade_rpcs=${rpcs_plugin}"
                              "--awsfacade_rpcs_out=${AWSFACADE_GEN_DIR}")
      list(APPEND plugin_deps "${rpcs_plugin}")
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND ${CMAKE_COMMAND} -E make_directory "${AWSFACADE_GEN_DIR}"
      COMMAND protobuf::protoc ${include_flags} "--cpp_out=${AWSFACADE_GEN_DIR}" ${plugin_args} "${proto}"
      DEPENDS "${proto}" protobuf::protoc ${plugin_deps}
      COMMENT "protoc ${rel}"
      VERBATIM)
    # protoc gives every file the same file-local names: never one unity source.
    set_source_files_properties(${outs} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON
                                COMPILE_OPTIONS "${AWSFACADE_GENERATED_CXX_OPTIONS}")
    list(APPEND srcs ${outs})
  endforeach()
  set(${ARG_OUT_SRCS} ${srcs} PARENT_SCOPE)
endfunction()

# awsfacade_descriptor_set(OUT_SRC <var> NAME <stem> SYMBOL <name> NAMESPACE <ns>
#                          IMPORT_DIRS <dirs...> PROTOS <absolute proto paths...>)
#
# Builds a FileDescriptorSet of PROTOS with their imports and their comments
# (source info) into ${CMAKE_CURRENT_BINARY_DIR}/<stem>.binpb and embeds it as
# `extern const unsigned char <SYMBOL>[]` and `extern const std::size_t
# <SYMBOL>Size` in namespace NAMESPACE, defined in the generated source
# returned in OUT_SRC. Generated code protos carry no comments; these do.
function(awsfacade_descriptor_set)
  cmake_parse_arguments(ARG "" "OUT_SRC;NAME;SYMBOL;NAMESPACE" "IMPORT_DIRS;PROTOS" ${ARGN})
  set(include_flags)
  foreach(dir IN LISTS ARG_IMPORT_DIRS)
    list(APPEND include_flags "-I${dir}")
  endforeach()
  set(set_file ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.binpb)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.cc)
  add_custom_command(
    OUTPUT ${set_file}
    COMMAND protobuf::protoc ${include_flags} --include_imports --include_source_info
            "--descriptor_set_out=${set_file}" ${ARG_PROTOS}
    DEPENDS ${ARG_PROTOS} protobuf::protoc
    COMMENT "descriptor set with comments: ${ARG_NAME}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${src}
    COMMAND ${CMAKE_COMMAND} -DIN=${set_file} -DOUT=${src} -DSYMBOL=${ARG_SYMBOL}
            -DNAMESPACE=${ARG_NAMESPACE} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake
    DEPENDS ${set_file} ${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake
    COMMENT "embedding ${ARG_NAME}"
    VERBATIM)
  set(${ARG_OUT_SRC} ${src} PARENT_SCOPE)
endfunction()
