# cmake -DIN=<binary file> -DOUT=<.cc> -DSYMBOL=<name> -P embed_file.cmake
# Writes the bytes of IN as a C++ array (namespace awsfacade::client::cli).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "// Generated from ${IN} by embed_file.cmake: do not edit.\n#include <cstddef>\nnamespace awsfacade::client::cli {\nextern const unsigned char ${SYMBOL}[] = {\n${bytes}};\nextern const std::size_t ${SYMBOL}Size = ${size};\n}  // namespace awsfacade::client::cli\n")
