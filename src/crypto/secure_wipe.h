// Erasing secrets (keys, key shares, nonces, polynomial coefficients) once they are no longer
// needed, so that a later memory disclosure (a core dump, a swapped page, a reused allocation)
// does not reveal them.
#pragma once

#include <cstddef>
#include <type_traits>

#include "base/bytes.h"

namespace chorus {

// Overwrites |size| bytes at |data| with zeros through OpenSSL's OPENSSL_cleanse, which the
// compiler cannot drop as a dead store, unlike memset before a destructor or a return.
void secure_wipe(void* data, size_t size);

// The bytes of a plain object: a scalar's limbs, a digest, a fixed-size buffer.
template <typename T>
  requires std::is_trivially_copyable_v<T>
void secure_wipe(T& object) {
  secure_wipe(&object, sizeof(T));
}

// The bytes a Bytes holds (its size, not its spare capacity).
inline void secure_wipe(Bytes& bytes) { secure_wipe(bytes.data(), bytes.size()); }

}  // namespace chorus
