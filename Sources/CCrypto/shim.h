#ifndef CONCORD_CCRYPTO_SHIM_H
#define CONCORD_CCRYPTO_SHIM_H

// OpenSSL's libcrypto, which libcurl already loads into the agent: SHA-256 for protected
// names (issue 14), without a second crypto library in the agent. The SHA256_* functions
// are the fast path (no provider lookup per digest: screening hashes every word of every
// edit); OpenSSL 3 keeps them, marked deprecated.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

// A SHA-256 state after `length` bytes of `data`: the fixed start of every digest of a plan.
static inline void ccrypto_sha256_prefix(SHA256_CTX *state, const void *data, size_t length) {
    SHA256_Init(state);
    SHA256_Update(state, data, length);
}

// SHA-256 of the prefix `state` holds, then `length` bytes of `data`, into `out` (32 bytes).
static inline void ccrypto_sha256_finish(const SHA256_CTX *state, const void *data, size_t length,
                                         unsigned char *out) {
    SHA256_CTX copy = *state;
    SHA256_Update(&copy, data, length);
    SHA256_Final(out, &copy);
}

#endif
