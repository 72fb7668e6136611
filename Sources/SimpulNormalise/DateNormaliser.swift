/// Dates and datetimes from every shape SOURCES.md lists, to ISO 8601 (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS`).
public enum DateNormaliser {
    public static let months: [String: Int] = [
        "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "maret": 3, "mar": 3,
        "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8, "agu": 8,
        "agt": 8, "ags": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "oct": 10,
        "november": 11, "nov": 11, "nopember": 11, "nop": 11, "desember": 12, "des": 12, "dec": 12,
        "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8, "october": 10,
        "december": 12,
    ]

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeap(year) ? 29 : 28
        default: return 0
        }
    }

    static func pad(_ v: Int, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }

    static func iso(_ y: Int, _ m: Int, _ d: Int) throws(NormaliseError) -> String {
        guard y >= 1800 && y <= 2200 else { throw NormaliseError("year out of range 1800–2200") }
        guard m >= 1 && m <= 12 else { throw NormaliseError("month is not 1–12") }
        guard d >= 1 && d <= daysIn(month: m, year: y) else {
            throw NormaliseError("not a real date: that day does not exist in that month")
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Splits a datetime into its date part and optional time part (`2024-09-28 00:00:00.000`, `…T08:14:55`).
    static func splitTime(_ s: String) -> (Substring, Substring?) {
        if let t = s.firstIndex(where: { $0 == "T" || $0 == " " }), s[s.startIndex..<t].contains(where: { $0 == "-" || $0 == "/" }),
            s[s.index(after: t)...].utf8.contains(UInt8(ascii: ":"))
        {
            return (s[s.startIndex..<t], s[s.index(after: t)...])
        }
        return (s[...], nil)
    }

    /// A calendar date in any supported shape: `DD-MM-YYYY`, `DD/MM/YYYY`, `YYYY-MM-DD`, `D NamaBulan YYYY`,
    /// or a datetime whose date part is one of these.
    /// Digits at `r` of ASCII bytes, or nil.
    @inline(__always) static func num(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ n: Int) -> Int? {
        var v = 0
        for k in from..<(from + n) {
            let d = b[k] &- 0x30
            if d > 9 { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    /// The common exact shapes (`DD-MM-YYYY`, `YYYY-MM-DD`, `DD/MM/YYYY`, with or without a time) without allocating.
    static func fastDate(_ s: String) -> (Int, Int, Int)? {
        var s = s
        return s.withUTF8 { b -> (Int, Int, Int)? in
            guard b.count >= 10 else { return nil }
            if b[4] == 0x2D && b[7] == 0x2D, let y = num(b, 0, 4), let m = num(b, 5, 2), let d = num(b, 8, 2) {
                return b.count == 10 || b[10] == 0x20 || b[10] == 0x54 ? (y, m, d) : nil
            }
            if (b[2] == 0x2D && b[5] == 0x2D) || (b[2] == 0x2F && b[5] == 0x2F), let d = num(b, 0, 2), let m = num(b, 3, 2),
                let y = num(b, 6, 4)
            {
                return b.count == 10 || b[10] == 0x20 ? (y, m, d) : nil
            }
            return nil
        }
    }

    /// Day names that may stand before a date (`Sabtu, 28 September 2024`), Indonesian and English.
    static let dayNames: Set<String> = [
        "senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    ]

    /// Splits a datetime written with spaces (`28 Sep 2024 00:00`, SQL Server's `Sep 28 2024 12:00AM`) before its
    /// first word holding a `:`; the time is nil when there is none.
    static func splitAtClock(_ s: String) -> (Substring, Substring?) {
        for word in s.split(separator: " ") where word.utf8.contains(UInt8(ascii: ":")) {
            var date = s[..<word.startIndex]
            while date.hasSuffix(" ") { date = date.dropLast() }
            return (date, s[word.startIndex...])
        }
        return (s[...], nil)
    }

    /// The date part of a (collapsed) text that may hold a time after it.
    static func datePart(_ s: String) -> Substring {
        let (datePart, time) = splitTime(s)
        return time == nil ? splitAtClock(s).0 : datePart
    }

    public static func date(_ raw: String) throws(NormaliseError) -> String {
        if let (y, m, d) = fastDate(raw) { return try iso(y, m, d) }
        let s = Text.collapse(raw)
        guard !s.isEmpty else { throw NormaliseError("date is empty") }
        let datePart = datePart(s)
        var parts = datePart.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." || $0 == " " || $0 == "," })
        if parts.count == 4, dayNames.contains(parts[0].lowercased()) { parts.removeFirst() }
        // SQL Server's style 112 (`20240928`): eight digits from a year 1800 – 2199.
        if parts.count == 1, parts[0].utf8.count == 8, Text.isDigits(parts[0]), let n = Int(parts[0]), n >= 1800_00_00, n < 2200_00_00 {
            return try iso(n / 10000, n / 100 % 100, n % 100)
        }
        guard parts.count == 3 else { throw NormaliseError("not a date in a known format (DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD, D Bulan YYYY)") }
        // At most four digits a part: a longer run is no date part, and would not even fit an Int.
        if Text.isDigits(parts[0]) && Text.isDigits(parts[1]) && Text.isDigits(parts[2]) {
            guard parts.allSatisfy({ $0.count <= 4 }), let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else {
                throw NormaliseError("not a date: a part has more than 4 digits")
            }
            if parts[0].count == 4 { return try iso(a, b, c) }
            if parts[2].count == 4 { return try iso(c, b, a) }
            throw NormaliseError("year must have 4 digits")
        }
        if Text.isDigits(parts[0]) && Text.isDigits(parts[2]) && parts[2].count == 4 && parts[0].count <= 2,
            let m = months[parts[1].lowercased().trimmingDot()], let y = Int(parts[2]), let d = Int(parts[0])
        {
            return try iso(y, m, d)
        }
        // The month's name first (`Sep 28 2024`, SQL Server's default style): the name says which part is the month.
        if Text.isDigits(parts[1]) && Text.isDigits(parts[2]) && parts[2].count == 4 && parts[1].count <= 2,
            let m = months[parts[0].lowercased().trimmingDot()], let y = Int(parts[2]), let d = Int(parts[1])
        {
            return try iso(y, m, d)
        }
        throw NormaliseError("not a date in a known format (DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD, D Bulan YYYY)")
    }

    /// A date of numbers alone that is not real as written but is with its day and month swapped (`04/25/1990`,
    /// `1990-25-04`: a clerk writing month first, or a field's parts typed in the wrong order): that reading, the
    /// only one that is a real date. Nil when the date is real as written, when the swap is no real date either, and
    /// for anything but three numeric parts with a four-digit year first or last.
    public static func swappedDate(_ raw: String) -> String? {
        guard (try? date(raw)) == nil else { return nil }
        let parts = datePart(Text.collapse(raw)).split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        guard parts.count == 3, parts.allSatisfy({ Text.isDigits($0) && $0.count <= 4 }),
              let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else { return nil }
        if parts[0].count == 4, parts[1].count <= 2, parts[2].count <= 2 { return try? iso(a, c, b) }
        if parts[2].count == 4, parts[0].count <= 2, parts[1].count <= 2 { return try? iso(c, a, b) }
        return nil
    }

    /// Whether the bytes are a time zone: `Z`, or `+`/`-` and `HH`, `HHMM` or `HH:MM`.
    static func isZone(_ bytes: some Collection<UInt8>) -> Bool {
        let z = Array(bytes)
        guard let sign = z.first else { return false }
        if sign == 0x5A { return z.count == 1 }
        guard sign == 0x2B || sign == 0x2D, z.count <= 6 else { return false }
        let digits = z.dropFirst().filter { $0 != 0x3A }
        return (digits.count == 2 || digits.count == 4) && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// A datetime to `YYYY-MM-DDTHH:MM:SS` (fractions dropped; local pemda time: a zone is dropped and the wall-clock
    /// time kept as written). A bare date gets 00:00:00.
    public static func dateTime(_ raw: String) throws(NormaliseError) -> String {
        var fast = raw
        let exact: (Int, Int, Int, Int, Int, Int)? = fast.withUTF8 { b in
            guard b.count >= 19, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20 || b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A,
                b.count == 19 || b[19] == 0x2E || isZone(b[19...]), let y = num(b, 0, 4), let mo = num(b, 5, 2), let d = num(b, 8, 2),
                let h = num(b, 11, 2), let mi = num(b, 14, 2), let sec = num(b, 17, 2)
            else { return nil }
            return (y, mo, d, h, mi, sec)
        }
        if let (y, mo, d, h, mi, sec) = exact {
            let day = try iso(y, mo, d)
            guard h < 24, mi < 60, sec < 61 else { throw NormaliseError("time out of range") }
            return "\(day)T\(pad(h, 2)):\(pad(mi, 2)):\(pad(sec, 2))"
        }
        let s = Text.collapse(raw)
        var (datePart, timePart) = splitTime(s)
        if timePart == nil { (datePart, timePart) = splitAtClock(s) }
        let d = try date(String(datePart))
        guard var timePart else { return d + "T00:00:00" }
        // A zone (`Z`, `+07:00`, `+0700`): the wall-clock time is kept as written (docs/schemas.md).
        if let z = timePart.firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }), isZone(timePart[z...].utf8) {
            timePart = timePart[..<z]
        }
        // A 12-hour clock (`12:00AM`, `1:30 PM`, as SQL Server and US spreadsheets write it).
        var meridiem: Bool? = nil  // true: PM
        let upper = timePart.uppercased()
        if upper.hasSuffix("AM") || upper.hasSuffix("PM") {
            meridiem = upper.hasSuffix("PM")
            timePart = timePart.dropLast(2)
            while timePart.hasSuffix(" ") { timePart = timePart.dropLast() }
        }
        let hms = timePart.split(separator: ".", maxSplits: 1)[0].split(separator: ":")
        guard hms.count >= 2, hms.count <= 3, hms.allSatisfy({ Text.isDigits($0) && $0.count <= 2 }) else {
            throw NormaliseError("time is not HH:MM:SS")
        }
        var h = Int(hms[0])!
        let m = Int(hms[1])!, sec = hms.count == 3 ? Int(hms[2])! : 0
        if let pm = meridiem {
            guard h >= 1 && h <= 12 else { throw NormaliseError("time out of range") }
            h = h % 12 + (pm ? 12 : 0)
        }
        guard h < 24, m < 60, sec < 61 else { throw NormaliseError("time out of range") }
        return "\(d)T\(pad(h, 2)):\(pad(m, 2)):\(pad(sec, 2))"
    }
}

extension String {
    func trimmingDot() -> String { hasSuffix(".") ? String(dropLast()) : self }
}
