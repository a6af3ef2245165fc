// Whole-file reads, with errors as values.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace chorus {

// The contents of the file at |path|, read with one allocation of its size. Fails with a message
// naming the path if it cannot be opened or read, or is larger than |max_bytes|.
Result<Bytes> read_file(const std::string& path, uint64_t max_bytes = uint64_t{1} << 32);

}  // namespace chorus
