// A small shim over Linux epoll and eventfd: Swift's Glibc module does not import <sys/epoll.h>, and
// struct epoll_event is packed on x86_64, so events are copied out here into plain arrays.
#ifndef SIMPUL_CEVENTLOOP_H
#define SIMPUL_CEVENTLOOP_H
#include <stdint.h>

enum {
    SIMPUL_EV_READ = 1,
    SIMPUL_EV_WRITE = 4,
    SIMPUL_EV_ERROR = 8,
    SIMPUL_EV_HANGUP = 16,
};

/// A new epoll instance (close-on-exec), or -1 with errno.
int simpul_epoll_create(void);
/// op: 1 add, 2 modify, 3 delete. events: SIMPUL_EV_READ | SIMPUL_EV_WRITE. Level-triggered.
int simpul_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t token);
/// Waits up to timeout_ms; fills tokens[i] and events[i] (SIMPUL_EV_*); returns the count, or -1 with errno.
int simpul_epoll_wait(int ep, uint64_t *tokens, uint32_t *events, int max, int timeout_ms);
/// A non-blocking, close-on-exec eventfd.
int simpul_eventfd(void);
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int simpul_accept(int listener);

#endif
