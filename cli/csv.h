/* csv.h — an RFC 4180 reader for the small CSV files the CLI takes (declarations, commodity
 * groups): a UTF-8 byte-order mark, quoted fields with doubled quotes, commas and line breaks
 * inside quotes, CRLF or LF line ends. */
#ifndef SCAN_CSV_H
#define SCAN_CSV_H

#include <stdbool.h>
#include <stddef.h>

#define CSV_MAX_FIELDS 64

/* Called once per record (the header included, blank lines skipped) with its fields
 * (NUL-terminated, valid during the call) and the line the record starts on. Return false to
 * stop (the reader then returns false). */
typedef bool (*csv_record_fn)(void *user, char **fields, int n, unsigned line);

/* Reads a whole file. On a syntax error (a quote inside an unquoted field, text after a closing
 * quote, an unterminated quote, a NUL byte, more than CSV_MAX_FIELDS fields) prints
 * "scan: FILE:LINE: ..." and returns false, as when the file cannot be read. */
bool csv_read_file(const char *path, csv_record_fn fn, void *user);

/* The same over a buffer (for the tests), `name` in messages. */
bool csv_read_buffer(const char *name, const char *data, size_t size, csv_record_fn fn, void *user);

#endif
