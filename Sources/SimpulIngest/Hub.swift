import SimpulConnectors
import SimpulSchema
import SimpulStorage

/// The pieces a command needs, wired together: home folders, schemas, the store, connectors by name.
public final class Hub {
    public let home: HubHome
    public let schemas: SchemaRegistry
    public let store: HubStore

    public init(home: HubHome, dbPath: String, readOnly: Bool = false) throws {
        self.home = home
        do { schemas = try SchemaRegistry(directory: home.schemasDir) } catch {
            throw HubError.invalid("schemas/: \(error)")
        }
        store = try HubStore(path: dbPath, readOnly: readOnly)
    }

    public func connector(_ nameOrDir: String) throws -> Connector {
        try Connector.load(directory: try home.connectorDirectory(nameOrDir))
    }

    public func ingestor(_ nameOrDir: String) throws -> Ingestor {
        Ingestor(store: store, normaliser: try RowNormaliser(connector: try connector(nameOrDir), schemas: schemas))
    }
}
