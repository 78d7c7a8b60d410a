/*
 * trigger-seal: webhook secrets encrypted at rest.  The daemon must get an
 * HMAC secret back to verify signatures, so it cannot keep a hash: it
 * seals the secret with AES-256-GCM (random 12-byte nonce, 16-byte tag)
 * under a 32-byte key file of the state directory (created with mode
 * 0600).  A sealed blob is nonce || ciphertext || tag.  Pure but for the
 * key file; no logging.
 */
#ifndef TRIGGER_SEAL_H
#define TRIGGER_SEAL_H

#include <stddef.h>

#include "err.h"
#include "span.h"
#include "webhook-auth.h"

/*
 * Seals secret (1..WEBHOOK_SECRET_MAX bytes) with the key at key_path,
 * created when absent; *ret (free) and *ret_len.  DR_EINVAL for a bad
 * length, DR_EIO when the key file cannot be read or made.
 */
enum dr_err	trigger_seal_secret(const char *key_path, struct span secret,
		    unsigned char **ret, size_t *ret_len,
		    struct dr_error *reterr);

/*
 * Opens a sealed blob into a webhook secret (webhook_secret_free; the
 * plaintext copies are wiped).  DR_EIO when it does not authenticate
 * (tampered, or another key), DR_EINVAL when it is too short or long.
 */
enum dr_err	trigger_seal_open(const char *key_path,
		    const unsigned char *sealed, size_t len,
		    struct webhook_secret **ret, struct dr_error *reterr);

#endif
