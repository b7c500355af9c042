# cmake -DIN=<file> -DOUT=<.cc> -DSYMBOL=<name> -DNAMESPACE=<ns> -P EmbedFile.cmake
#
# Writes a C++ source defining `const unsigned char SYMBOL[]` (the bytes of
# IN) and `const std::size_t SYMBOLSize`, both extern, in namespace NAMESPACE.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# Lines of 32 bytes keep the generated file readable by editors.
string(REGEX REPLACE "((0x..,){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
"// Generated from ${IN} by cmake/EmbedFile.cmake. Do not edit.
#include <cstddef>

namespace ${NAMESPACE} {
extern const unsigned char ${SYMBOL}[];
extern const std::size_t ${SYMBOL}Size;
const unsigned char ${SYMBOL}[] = {
${bytes}};
const std::size_t ${SYMBOL}Size = ${size};
}  // namespace ${NAMESPACE}
")
file(RENAME "${OUT}.tmp" "${OUT}")
