extension BinaryInteger {
    /// The digits in `radix`, zero-padded to `width` (`7.zeroPaddedDigits(3)` is `007`):
    /// request ids and log timestamps, without `String(format:)`'s cost on every request.
    public func zeroPaddedDigits(_ width: Int, radix: Int = 10) -> String {
        let digits = String(self, radix: radix)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
