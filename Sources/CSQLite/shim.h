#ifndef SIMPUL_CSQLITE_SHIM_H
#define SIMPUL_CSQLITE_SHIM_H
#include <sqlite3.h>
#include <time.h>

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
// A busy handler that retries every 100 microseconds (up to `timeout_ms`), where sqlite3_busy_timeout sleeps 1, 2,
// 5, 10 … 100 ms between tries: a writer waiting behind a short checkpoint or commit is not held up for a long sleep.
static inline int simpul_fine_busy(void *arg, int count) {
    long limit = (long)(size_t)arg * 10;
    if (count >= limit) return 0;
    struct timespec ts = {0, 100000};
    nanosleep(&ts, 0);
    return 1;
}
static inline int simpul_set_fine_busy_timeout(sqlite3 *db, int timeout_ms) {
    return sqlite3_busy_handler(db, simpul_fine_busy, (void *)(size_t)timeout_ms);
}
#endif
