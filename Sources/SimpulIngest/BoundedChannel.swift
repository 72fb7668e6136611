import Foundation

/// A blocking FIFO with a capacity, between one producer thread and one consumer: the producer waits when the
/// consumer falls behind, so memory stays bounded whatever the input size.
public final class BoundedChannel<T: Sendable>: @unchecked Sendable {
    private let cond = NSCondition()
    private var items: [T] = []
    private var closed = false
    private let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    public func send(_ v: T) {
        cond.lock()
        while items.count >= capacity && !closed { cond.wait() }
        if !closed { items.append(v) }
        cond.broadcast()
        cond.unlock()
    }

    /// The next item, or nil once closed and drained.
    public func receive() -> T? {
        cond.lock()
        defer { cond.unlock() }
        while items.isEmpty && !closed { cond.wait() }
        if items.isEmpty { return nil }
        let v = items.removeFirst()
        cond.broadcast()
        return v
    }

    /// Ends the channel: pending sends are dropped and receivers wake up.
    public func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        cond.unlock()
    }

    public var isClosed: Bool {
        cond.lock()
        defer { cond.unlock() }
        return closed
    }
}
