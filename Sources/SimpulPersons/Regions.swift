import Foundation
import SimpulNormalise

/// Kemendagri region codes (provinsi, kab/kota, kecamatan) from `data/wilayah/wilayah.csv`, to check a NIK's issuing
/// kecamatan.
public struct Regions: Sendable {
    public let names: [String: String]

    public init(names: [String: String]) { self.names = names }

    /// Reads `kode;nama` lines (a header line first).
    public init(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PersonIndexError("cannot read the region reference data \(file) (data/wilayah/wilayah.csv in the hub's home)")
        }
        var n: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).dropFirst() {
            let parts = line.split(separator: ";", maxSplits: 1)
            if parts.count == 2 { n[String(parts[0])] = String(parts[1]) }
        }
        names = n
    }

    public func contains(_ code: String) -> Bool { names[code] != nil }
}

public struct PersonIndexError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// What a NIK's digits say and whether it is plausible, compared with what a record says about its holder.
/// Evidence, never grounds to reject a record.
public struct NIKCheck: Sendable, Equatable {
    public var nik: String
    public var kecamatan: String?
    /// The kecamatan exists in the reference data.
    public var kecamatanKnown: Bool
    public var decodedBirth: String?  // "DD-MM-YY"
    public var decodedSex: String?  // "L" | "P"
    public var problems: [String]
    /// Decoded birth date and sex agree with the recorded ones (nil: nothing recorded to compare).
    public var birthAgrees: Bool?
    public var sexAgrees: Bool?

    public init(nik: String, regions: Regions, tanggalLahir: String?, jenisKelamin: String?) {
        self.nik = nik
        guard let d = NIK.decode(nik) else {
            kecamatan = nil
            kecamatanKnown = false
            problems = ["not 16 digits"]
            return
        }
        kecamatan = d.kodeKecamatan
        kecamatanKnown = regions.contains(d.kodeKecamatan)
        problems = d.problems + (kecamatanKnown ? [] : ["kecamatan \(d.kodeKecamatan) is not in the reference data"])
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        decodedBirth = "\(two(d.birthDay))-\(two(d.birthMonth))-\(two(d.birthYear2))"
        decodedSex = d.female ? "P" : "L"
        if let t = tanggalLahir, t.count == 10 {  // YYYY-MM-DD
            let y2 = Int(t.dropFirst(2).prefix(2)) ?? -1, m = Int(t.dropFirst(5).prefix(2)) ?? -1, day = Int(t.suffix(2)) ?? -1
            birthAgrees = y2 == d.birthYear2 && m == d.birthMonth && day == d.birthDay
        }
        if let s = jenisKelamin, s == "L" || s == "P" { sexAgrees = s == decodedSex }
    }
}
