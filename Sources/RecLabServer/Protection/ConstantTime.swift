/// Compares secrets without leaking, through the time a comparison takes, how much of a guess
/// was right: every byte of the longer one is looked at, whatever differs first.
enum ConstantTime {
    static func equals(_ given: some StringProtocol, _ secret: some StringProtocol) -> Bool {
        let a = Array(given.utf8)
        let b = Array(secret.utf8)
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
