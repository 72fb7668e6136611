import Foundation
import SimpulIngest
import SimpulJSON
import SimpulTestSupport
import Testing

/// Builds the worked example of docs/connectors.md from the page itself (the JSON block is read out of the
/// markdown), so the documentation cannot drift from what works.
@Suite struct ConnectorAuthoringTests {
    @Test func workedExampleFromTheDocsIngests() throws {
        let real = TestHub.home()
        let doc = try String(contentsOfFile: real.root + "/docs/connectors.md", encoding: .utf8)
        let afterStep = try #require(doc.range(of: "3. Write `connector.json`:"))
        let rest = doc[afterStep.upperBound...]
        let open = try #require(rest.range(of: "```json\n"))
        let close = try #require(rest[open.upperBound...].range(of: "\n```"))
        let connectorJSON = String(rest[open.upperBound..<close.lowerBound])

        let home = NSTemporaryDirectory() + "simpul-authoring-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: home) }
        let fm = FileManager.default
        try fm.copyItem(atPath: real.schemasDir, toPath: home + "/schemas")
        try """
            {"type":"object","additionalProperties":false,"required":["source_system","source_key","tanggal"],
             "properties":{"source_system":{"type":"string"},"source_key":{"type":"string"},
              "tanggal":{"type":"string","format":"date"},"nik_anak":{"type":"string","pattern":"^[0-9]{16}$"},
              "nik_anak_asli":{"type":"string"},"nik_anak_status":{"type":"string"},"nama_anak":{"type":"string"},
              "tanggal_lahir_anak":{"type":"string","format":"date"},"vaksin":{"type":"string"},
              "biaya":{"type":"string","format":"decimal"},"catatan":{"type":"array","items":{"type":"string"}}}}
            """.write(toFile: home + "/schemas/immunisation.json", atomically: true, encoding: .utf8)
        let dir = home + "/connectors/puskesmas-imunisasi"
        try fm.createDirectory(atPath: dir + "/samples", withIntermediateDirectories: true)
        try connectorJSON.write(toFile: dir + "/connector.json", atomically: true, encoding: .utf8)
        try """
            no_kunjungan|tgl|nik_anak|nama_anak|tgl_lahir|vaksin|biaya
            K-0001|2024-03-01|7571014112240001|nur aisyah hasan|01/12/2024|BCG|Rp 0
            K-0002|2024-03-01|7.57101E+15|ahmad|31/02/2024|polio|Rp 5.000
            K-0003|2024-03-02|7571014112240001|nur aisyah hasan|01/12/2024|FLU|Rp 0
            """.write(toFile: dir + "/samples/kunjungan.txt", atomically: true, encoding: .utf8)

        let hub = try Hub(home: HubHome(root: home), dbPath: home + "/t.db")
        let s = try hub.ingestor("puskesmas-imunisasi").ingest(paths: [dir + "/samples"])
        #expect((s.read, s.accepted, s.deadLettered) == (3, 2, 1))
        let k2 = try #require(try hub.store.record(schema: "immunisation", sourceKey: "K-0002"))
        #expect(k2.data["vaksin"] == .string("POLIO"))
        #expect(k2.data["biaya"] == .string("5000.00"))
        #expect(k2.data["nik_anak_status"] == .string("notasi_ilmiah"))
        #expect(k2.data["tanggal_lahir_anak"] == nil)
        #expect(try hub.store.deadLetters(connector: "puskesmas-imunisasi", status: "open", limit: 5).first?.field == "vaksin")
        #expect(try hub.store.mentions().map(\.key) == ["puskesmas-imunisasi:K-0001", "puskesmas-imunisasi:K-0002"])
        let again = try hub.ingestor("puskesmas-imunisasi").ingest(paths: [dir + "/samples"])
        #expect((again.accepted, again.unchanged) == (0, 2))
    }
}
