#if canImport(Glibc)
import Glibc
#endif

/// A mutex that spins a little before it sleeps (glibc's adaptive mutex). For the short critical sections shared
/// by the event loops and handlers (counters, caches, queues): with a plain mutex every collision between two
/// cores put a thread to sleep in the kernel and woke it again, a context switch each time, which under load cost
/// more than the work the lock protects.
public final class AdaptiveLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attr)
        pthread_mutexattr_destroy(&attr)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
