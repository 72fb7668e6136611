import Foundation

/// Numbers written with a fixed number of decimals, for JSON answers (scores, weights).
public enum FixedDecimal {
    /// `x` with two decimals, exactly as `String(format: "%.2f", x)` writes it, without Foundation's formatter:
    /// the person index formats every field weight of every candidate it ranks, and `String(format:)` was a fifth
    /// of its time. printf rounds the double's exact value (halves to even), so `0.005` (a little above 0.005 in
    /// binary) gives `0.01` while `(0.005 * 100).rounded()` would see an exact half: the exact product is kept here
    /// as a rounded value and its error (`fma`).
    public static func two(_ x: Double) -> String {
        guard x.isFinite, abs(x) < 1e13 else { return String(format: "%.2f", x) }
        let a = abs(x)
        // t = a × 200 exactly = p + e; the cents are t / 2 rounded half to even.
        let p = a * 200
        let e = (-p).addingProduct(a, 200)
        let pf = p.rounded(.down)
        let f = Int(pf) - (p == pf && e < 0 ? 1 : 0)  // ⌊t⌋
        let cents: Int
        if f % 2 == 0 {
            cents = f / 2
        } else {
            let half = f / 2  // t in [f, f + 1): a × 100 in [half + 0.5, half + 1)
            cents = p == pf && e == 0 ? (half % 2 == 0 ? half : half + 1) : half + 1
        }
        let text = String(cents / 100) + (cents % 100 < 10 ? ".0" : ".") + String(cents % 100)
        return x.sign == .minus ? "-" + text : text
    }
}
