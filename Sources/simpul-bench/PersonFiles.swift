import Foundation
import SimpulIngest
import SimpulPersons

/// `simpul-bench gen persons N DIR [SEED] [REGION]`: the corpus of `simpul-bench match` as the source systems' files
/// plus `truth.ndjson` (`SyntheticCorpus.writeSourceFiles`), for `scripts/eval-persons.sh`. REGION (a province or
/// kab/kota code) puts everyone in that region's kecamatan. `SIMPUL_CORPUS_MONTH_FIRST` (a share, 0 by default) writes
/// that share of SiCantik birth dates past the 12th month first; `SIMPUL_CORPUS_SERIALS=sequential` issues NIK
/// serials in order (`SyntheticCorpus.Serials`).
enum PersonFiles {
    static func write(mentions n: Int, to dir: String, seed: UInt64, region: String) throws {
        let regions = try Regions(file: try HubHome.locate().regionsFile)
        let serialsName = ProcessInfo.processInfo.environment["SIMPUL_CORPUS_SERIALS"] ?? "random"
        guard let serials = SyntheticCorpus.Serials(rawValue: serialsName) else { throw BenchUsage("SIMPUL_CORPUS_SERIALS is random or sequential") }
        let corpus = SyntheticCorpus(mentions: n, seed: seed, regions: regions, region: try corpusRegion(region, regions), serials: serials)
        // SIMPUL_CORPUS_MONTH_FIRST=0.05: that share of SiCantik birth dates past the 12th written month first.
        let monthFirst = ProcessInfo.processInfo.environment["SIMPUL_CORPUS_MONTH_FIRST"].flatMap(Double.init) ?? 0
        let pages = try corpus.writeSourceFiles(to: dir, seed: seed, monthFirst: monthFirst)
        print("wrote \(corpus.mentions.count) mentions of \(corpus.personCount) persons to \(dir) (\(pages) SiCantik pages)"
              + (monthFirst > 0 ? "; \(monthFirst) of SiCantik birth dates past the 12th written month first" : "")
              + (serials == .sequential ? "; NIK serials issued in order" : ""))
    }
}

/// The `--region` of a corpus: nil for all of Indonesia (empty), else a province or kab/kota code that has kecamatan.
func corpusRegion(_ code: String, _ regions: Regions) throws -> String? {
    if code.isEmpty { return nil }
    guard regions.names.keys.contains(where: { $0.count == 8 && $0.hasPrefix(code + ".") }) else {
        throw BenchUsage("region \(code) has no kecamatan in data/wilayah (a province such as 75 or a kab/kota such as 75.01)")
    }
    return code
}
