// swift-tools-version:6.0
import PackageDescription

// Simpul is built with the Swift toolchain alone: no package dependencies.
// SQLite comes in through the system library target `CSQLite` (Debian: libsqlite3-dev).
let package = Package(
    name: "simpul",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "simpul", targets: ["simpul"]),
        .executable(name: "simpul-bench", targets: ["simpul-bench"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "CEventLoop"),
        .target(name: "CSHA256"),
        .target(name: "SimpulHTTP", dependencies: ["CEventLoop", "SimpulCompression"]),
        .target(name: "SimpulJSON"),
        .target(name: "SimpulCrypto", dependencies: ["CSHA256"]),
        .target(name: "SimpulCompression"),
        .target(name: "SimpulStorage", dependencies: ["CSQLite", "SimpulJSON", "SimpulCrypto"]),
        .target(name: "SimpulSchema", dependencies: ["SimpulJSON"]),
        .target(name: "SimpulNormalise", dependencies: ["SimpulJSON"]),
        .target(name: "SimpulConnectors", dependencies: ["SimpulJSON", "SimpulNormalise", "SimpulCrypto"]),
        .target(name: "SimpulIngest", dependencies: ["SimpulJSON", "SimpulStorage", "SimpulSchema",
                                                     "SimpulConnectors", "SimpulCrypto", "SimpulCompression"]),
        .target(name: "SimpulSync", dependencies: ["SimpulHTTP", "SimpulJSON", "SimpulStorage", "SimpulConnectors", "SimpulIngest"]),
        .target(name: "SimpulReconcile", dependencies: ["SimpulJSON", "SimpulStorage", "SimpulNormalise"]),
        .target(name: "SimpulPersons", dependencies: ["SimpulJSON", "SimpulStorage", "SimpulNormalise", "SimpulCrypto"]),
        .target(name: "SimpulAPI", dependencies: ["SimpulHTTP", "SimpulJSON", "SimpulSchema", "SimpulStorage", "SimpulReconcile", "SimpulNormalise",
                                                  "SimpulIngest", "SimpulPersons", "SimpulSync", "SimpulCompression"]),
        .target(name: "SimpulCLI", dependencies: ["SimpulAPI", "SimpulHTTP", "SimpulJSON", "SimpulStorage", "SimpulSchema",
                                                  "SimpulConnectors", "SimpulIngest", "SimpulReconcile", "SimpulNormalise", "SimpulPersons", "SimpulSync"]),
        .executableTarget(name: "simpul", dependencies: ["SimpulCLI"]),
        .executableTarget(name: "simpul-bench", dependencies: ["SimpulIngest", "SimpulStorage", "CSQLite",
                                                               "SimpulCLI", "SimpulReconcile", "SimpulCrypto", "SimpulPersons", "SimpulJSON",
                                                               "SimpulSync", "SimpulConnectors", "SimpulHTTP", "SimpulTestSupport", "SimpulCompression"]),
        .target(name: "SimpulTestSupport", dependencies: ["SimpulIngest", "SimpulStorage", "SimpulCLI", "SimpulHTTP", "SimpulJSON"]),
        .testTarget(name: "SimpulTests", dependencies: ["SimpulJSON", "SimpulCrypto", "SimpulStorage",
                                                        "SimpulSchema", "SimpulNormalise", "SimpulConnectors",
                                                        "SimpulIngest", "SimpulCLI", "SimpulTestSupport",
                                                        "SimpulReconcile", "SimpulHTTP", "SimpulAPI", "SimpulPersons", "SimpulSync",
                                                        "SimpulCompression"]),
    ]
)
