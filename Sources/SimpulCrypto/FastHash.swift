/// A fast 128-bit non-cryptographic hash (two FNV-1a 64 lanes), for detecting changed record content.
/// Not for anything an attacker chooses to collide: idempotency keys and tokens use ``SHA256``.
public enum FastHash {
    public static func hash128(_ bytes: [UInt8]) -> [UInt8] {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x8422_2325_cbf2_9ce4 ^ UInt64(bytes.count)
        bytes.withUnsafeBufferPointer { p in
            for x in p {
                a = (a ^ UInt64(x)) &* 0x0000_0100_0000_01B3
                b = (b ^ UInt64(x)) &* 0x0000_0100_0000_01B3 ^ (b >> 29)
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for s in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: a >> UInt64(s))) }
        for s in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: b >> UInt64(s))) }
        return out
    }
}
