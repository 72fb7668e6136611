#ifndef SIMPUL_CSQLITE_SHIM_H
#define SIMPUL_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import; bind through these instead.
static inline int simpul_bind_text(sqlite3_stmt *s, int i, const char *p, int n) {
    return sqlite3_bind_text(s, i, p, n, SQLITE_TRANSIENT);
}
static inline int simpul_bind_blob(sqlite3_stmt *s, int i, const void *p, int n) {
    return sqlite3_bind_blob(s, i, p, n, SQLITE_TRANSIENT);
}
// Process-wide settings, before the first connection opens (sqlite3_config is variadic: Swift cannot call it).
// Memory statistics off: with them on, every allocation SQLite makes takes a global mutex.
static inline int simpul_configure_sqlite(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
