import Foundation
import SimpulJSON

/// The shared schemas, loaded from a folder of `<name>.json` files (`schemas/` in the hub's home).
public final class SchemaRegistry: Sendable {
    public let schemas: [String: Schema]
    public let sources: [String: JSONValue]

    public init(directory: String) throws {
        var s: [String: Schema] = [:]
        var src: [String: JSONValue] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        for f in files {
            let name = String(f.dropLast(5))
            guard let data = FileManager.default.contents(atPath: directory + "/" + f) else {
                throw SchemaError(message: "cannot read schema file \(directory)/\(f)")
            }
            let json: JSONValue
            do { json = try JSONParser.parse([UInt8](data)) } catch {
                throw SchemaError(message: "schema file \(directory)/\(f) is not valid JSON: \(error)")
            }
            do { s[name] = try Schema(name: name, json: json) } catch {
                throw SchemaError(message: "schema \(name): \(error.message)")
            }
            src[name] = json
        }
        schemas = s
        sources = src
    }

    /// A copy compiled again from the same sources: objects of its own (see ``RowNormaliser/ownCopy()``).
    public init(compiling sources: [String: JSONValue]) throws {
        var s: [String: Schema] = [:]
        for (name, json) in sources {
            do { s[name] = try Schema(name: name, json: json) } catch {
                throw SchemaError(message: "schema \(name): \(error.message)")
            }
        }
        schemas = s
        self.sources = sources
    }

    public subscript(name: String) -> Schema? { schemas[name] }
    public var names: [String] { schemas.keys.sorted() }
}
