import Foundation
import SimpulIngest
import SimpulPersons

/// `simpul-bench gen persons N DIR [SEED]`: the corpus of `simpul-bench match` as the source systems' files plus
/// `truth.ndjson` (`SyntheticCorpus.writeSourceFiles`), for `scripts/eval-persons.sh`.
enum PersonFiles {
    static func write(mentions n: Int, to dir: String, seed: UInt64) throws {
        let corpus = SyntheticCorpus(mentions: n, seed: seed, regions: try Regions(file: try HubHome.locate().regionsFile))
        let pages = try corpus.writeSourceFiles(to: dir, seed: seed)
        print("wrote \(corpus.mentions.count) mentions of \(corpus.personCount) persons to \(dir) (\(pages) SiCantik pages)")
    }
}
