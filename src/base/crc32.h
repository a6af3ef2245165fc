// CRC-32 (ISO-HDLC / IEEE 802.3, the zlib and PNG checksum), as used in textual principals.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace chorus {

uint32_t crc32(ByteView data);

}  // namespace chorus
