import Foundation
import SimpulJSON
import SimpulNormalise
import SimpulStorage

/// Reads and changes of personal data from the command line are audited like the API's: who (the role and the
/// login's name), for what purpose, through which verb, which persons. The entry is written before anything is
/// printed, so a failed entry shows nothing (fail closed, as the server does).
enum CLIAudit {
    static func append(_ store: HubStore, role: String, purpose: String, route: String, persons: [String]) throws {
        let who = ProcessInfo.processInfo.environment["USER"] ?? "cli"
        try store.appendAudit(opd: "\(role):\(who)", purpose: purpose, route: route, persons: persons, result: "ok", status: 0)
    }

    /// An operator's read of stored records (`records show`, `topics read records.<schema>`): audited with the
    /// persons the records name, when they name any (records of planning and budget name none, and are not).
    static func operatorRead(_ store: HubStore, route: String, schema: String, sourceKeys: [String]) throws {
        let persons = try store.mentionedPersons(schema: schema, sourceKeys: sourceKeys)
        guard !persons.isEmpty else { return }
        try append(store, role: "operator", purpose: "operations", route: route, persons: persons)
    }

    /// An operator's read of a dead letter's raw row (`dlq show`): the row was never accepted, so no mention names
    /// its persons; the NIKs written in it do (`NIK.written(in:)`). A row without one is not audited: it names no
    /// one the hub could tell a citizen about.
    static func deadLetterRead(_ store: HubStore, route: String, raw: [UInt8]) throws {
        let persons = NIK.written(in: raw)
        guard !persons.isEmpty else { return }
        try append(store, role: "operator", purpose: "operations", route: route, persons: persons)
    }

    /// An operator's read of the person index's decisions (`topics read persons`, each event keyed by its person):
    /// which mention went to which person. Audited with each person, by their NIK or, without one, their id, as the
    /// API names them, and with every NIK the events show (a registry mention's key is its NIK).
    static func personsRead(_ store: HubStore, route: String, events: [(key: String, payload: JSONValue)]) throws {
        var persons: Set<String> = []
        for id in Set(events.map(\.key)) where HubStore.isPersonID(id) {
            persons.insert(try store.person(id: id).flatMap(\.nik) ?? id)
        }
        for e in events { persons.formUnion(NIK.written(in: Array(e.payload.jsonText.utf8))) }
        guard !persons.isEmpty else { return }
        try append(store, role: "operator", purpose: "operations", route: route, persons: persons.sorted())
    }

    /// An operator's read of a connector's raw log (`topics read raw.<connector>`): the source rows as they came,
    /// audited with the persons the hub took from them.
    static func rawRead(_ store: HubStore, route: String, connector: String, sourceKeys: [String]) throws {
        let persons = try store.rawEventPersons(connector: connector, sourceKeys: sourceKeys)
        guard !persons.isEmpty else { return }
        try append(store, role: "operator", purpose: "operations", route: route, persons: persons)
    }
}
