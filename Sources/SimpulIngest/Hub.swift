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
        schemas = try Self.schemas(home: home)
        store = try HubStore(path: dbPath, readOnly: readOnly)
    }

    /// The shared schemas of a hub home.
    public static func schemas(home: HubHome) throws -> SchemaRegistry {
        do { return try SchemaRegistry(directory: home.schemasDir) } catch {
            throw HubError.invalid("schemas/: \(error)")
        }
    }

    public func connector(_ nameOrDir: String) throws -> Connector {
        try Connector.load(directory: try home.connectorDirectory(nameOrDir))
    }

    public func ingestor(_ nameOrDir: String) throws -> Ingestor {
        Ingestor(store: store, normaliser: try RowNormaliser(connector: try connector(nameOrDir), schemas: schemas))
    }
}
