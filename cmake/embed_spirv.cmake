# Writes the SPIR-V file SPV as a C array hue_spv_NAME in OUT.
file(READ ${SPV} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR words "${n} / 8")
string(REGEX REPLACE "([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])" "0x\\4\\3\\2\\1u," body "${hex}")
string(REGEX REPLACE "((0x[0-9a-f]+u,){8})" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* generated from ${NAME}.comp */\n#include <stddef.h>\n#include <stdint.h>\nconst uint32_t hue_spv_${NAME}[] = {\n${body}\n};\nconst size_t hue_spv_${NAME}_size = sizeof(hue_spv_${NAME});\n")
