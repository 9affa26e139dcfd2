/* testutil.h — helpers shared by the unit tests: temporary files, reading files, sample paths. */
#ifndef LSCAN_TESTUTIL_H
#define LSCAN_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* A fresh temporary directory for this process (created once, removed at exit). */
const char *tu_tmpdir(void);
/* tu_tmpdir()/name in a static rotating buffer. */
const char *tu_path(const char *name);
/* Writes bytes to a file; returns 0 on success. */
int tu_write_file(const char *path, const void *data, size_t size);
/* Reads a whole file into malloc'd memory, with a NUL after its bytes; NULL on failure. */
uint8_t *tu_read_file(const char *path, size_t *size);
/* A deterministic xorshift generator for test data. */
uint64_t tu_rand(uint64_t *state);

#endif
