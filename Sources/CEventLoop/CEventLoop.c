#define _GNU_SOURCE
#include "CEventLoop.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <stddef.h>

int simpul_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static uint32_t to_epoll(uint32_t e) {
    uint32_t out = 0;
    if (e & SIMPUL_EV_READ) out |= EPOLLIN | EPOLLRDHUP;
    if (e & SIMPUL_EV_WRITE) out |= EPOLLOUT;
    return out;
}

int simpul_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev;
    ev.events = to_epoll(events);
    ev.data.u64 = token;
    int o = op == 1 ? EPOLL_CTL_ADD : op == 2 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
    return epoll_ctl(ep, o, fd, &ev);
}

int simpul_epoll_wait(int ep, uint64_t *tokens, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(ep, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        uint32_t e = 0, r = evs[i].events;
        if (r & EPOLLIN) e |= SIMPUL_EV_READ;
        if (r & EPOLLOUT) e |= SIMPUL_EV_WRITE;
        if (r & EPOLLERR) e |= SIMPUL_EV_ERROR;
        if (r & (EPOLLHUP | EPOLLRDHUP)) e |= SIMPUL_EV_HANGUP;
        tokens[i] = evs[i].data.u64;
        events[i] = e;
    }
    return n;
}

int simpul_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int simpul_accept(int listener) { return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }
