/*
 * crypto-lazy: libcrypto loaded on the first call of a libcrypto function
 * (dockrev does not link it).  Callers use the <openssl/...> headers as
 * usual; see crypto-lazy.c.
 */
#ifndef CRYPTO_LAZY_H
#define CRYPTO_LAZY_H

#include <stdbool.h>

/* True once libcrypto is loaded in this process. */
bool	crypto_lazy_loaded(void);

#endif
