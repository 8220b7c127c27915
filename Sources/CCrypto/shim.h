#ifndef CONCORD_CCRYPTO_SHIM_H
#define CONCORD_CCRYPTO_SHIM_H

// OpenSSL's libcrypto, which libcurl already loads into the agent: SHA-256 for protected
// names (issue 14), without a second crypto library in the agent.
#include <openssl/evp.h>

#endif
