import Synchronization

/// swift-metrics handles by their label values, made once and reused: building a handle
/// goes through the factory and the registry's lock on every call, which costs more per
/// request than the recording itself.
public final class HandleCache<Key: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let handles = Mutex<[Key: Handle]>([:])
    private let make: @Sendable (Key) -> Handle

    public init(_ make: @escaping @Sendable (Key) -> Handle) {
        self.make = make
    }

    public func callAsFunction(_ key: Key) -> Handle {
        if let handle = handles.withLock({ $0[key] }) { return handle }
        let handle = make(key)
        return handles.withLock { handles in
            if let existing = handles[key] { return existing }
            handles[key] = handle
            return handle
        }
    }
}
