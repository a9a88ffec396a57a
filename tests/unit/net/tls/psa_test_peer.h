// The unit tests' TLS server: the client's PSA mechanisms plus RSA private keys (it signs its
// handshakes with them).
#ifndef LSEDGE_PSA_TEST_PEER_H
#define LSEDGE_PSA_TEST_PEER_H

#include "common/psa_crypto_client.h"

#define PSA_WANT_KEY_TYPE_RSA_KEY_PAIR_BASIC 1
#define PSA_WANT_KEY_TYPE_RSA_KEY_PAIR_IMPORT 1
#define PSA_WANT_KEY_TYPE_RSA_KEY_PAIR_EXPORT 1

#endif  // LSEDGE_PSA_TEST_PEER_H
