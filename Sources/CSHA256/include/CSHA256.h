#ifndef SIMPUL_CSHA256_H
#define SIMPUL_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// The 64 round constants of FIPS 180-4 (shared with the Swift implementation).
const uint32_t *simpul_sha256_constants(void);

/// Whether this CPU has the SHA extensions (x86 SHA-NI with SSSE3 and SSE4.1). Asks the CPU each call.
int simpul_sha256_hardware(void);

/// Runs the SHA-256 compression function over `blocks` 64-byte blocks at `data`, updating `state` (a, b, … h as
/// FIPS 180-4 names them). Only call when simpul_sha256_hardware() is 1.
void simpul_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
