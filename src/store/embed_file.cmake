# Writes OUTPUT, a C++ source defining berth::SYMBOL (a NUL-terminated char array holding the
# bytes of INPUT) and berth::SYMBOL##Size (its length without the NUL).
# Usage: cmake -DINPUT=... -DOUTPUT=... -DSYMBOL=... -P embed_file.cmake
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n  "
       bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${INPUT} by embed_file.cmake. Do not edit.\n"
     "#include <cstddef>\n\n"
     "namespace berth {\n\n"
     "extern const char ${SYMBOL}[];\n"
     "extern const std::size_t ${SYMBOL}Size;\n\n"
     "const char ${SYMBOL}[] = {\n  ${bytes}0x00};\n"
     "const std::size_t ${SYMBOL}Size = sizeof(${SYMBOL}) - 1;\n\n"
     "}  // namespace berth\n")
# Only touch OUTPUT when it changes, so an unchanged catalog does not recompile anything.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
