#include "crypto/secure_wipe.h"

#include <openssl/crypto.h>

namespace chorus {

void secure_wipe(void* data, size_t size) {
  if (size != 0) OPENSSL_cleanse(data, size);
}

}  // namespace chorus
