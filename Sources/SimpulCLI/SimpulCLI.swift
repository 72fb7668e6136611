import Foundation
import SimpulConnectors
import SimpulIngest
import SimpulSchema
import SimpulStorage
#if canImport(Glibc)
import Glibc
#endif

/// Exit statuses (sysexits.h): scripts can tell a usage mistake from bad data from a failure.
public enum ExitCode {
    public static let ok: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    public static let noInput: Int32 = 66
    public static let unavailable: Int32 = 69
}

/// The `simpul` command line.
public enum SimpulCLI {
    public static let version = "0.1.0"

    public static var toolHelp: String {
        var s = "simpul \(version): the data-interoperability hub for regional government agencies\n\nUsage: simpul <verb> [options]\n\nVerbs:\n"
        let width = Commands.all.map(\.name.count).max() ?? 0
        for c in Commands.all { s += "  \(c.name)\(String(repeating: " ", count: width - c.name.count + 2))\(c.summary)\n" }
        s += "\nEvery verb takes --help. --db PATH defaults to ./simpul.db. Machine output: --json.\n"
        s += "Exit status: 0 done, 64 usage mistake, 65 bad data (with --strict), 66 missing input, 1 failure.\n"
        return s
    }

    /// A process inherits its parent's signal mask: started by a program whose thread blocks SIGTERM (a test runner,
    /// some supervisors), `simpul serve` never saw the signal and ran on after `kill` (found by a test that waited
    /// for it). Unblocked here, on the main thread before any other starts, so every thread inherits it.
    static func unblockStopSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Runs the CLI with `argv` (without the program name) and returns the exit status.
    public static func main(_ argv: [String]) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        unblockStopSignals()
        if argv == ["--version"] {
            Console.out("simpul \(version)")
            return ExitCode.ok
        }
        do {
            switch try ArgumentParser.parse(argv, specs: Commands.all, toolHelp: toolHelp) {
            case .help(let text):
                Console.out(text)
                return ExitCode.ok
            case .run(let inv):
                return try inv.spec.run(inv)
            }
        } catch let e as UsageError {
            Console.err("simpul: \(e.message)")
            return ExitCode.usage
        } catch let e as HubError {
            Console.err("simpul: \(e)")
            switch e {
            case .usage: return ExitCode.usage
            case .notFound: return ExitCode.noInput
            case .invalid: return ExitCode.dataError
            case .failed: return ExitCode.failure
            }
        } catch let e as ConfigError {
            Console.err("simpul: connector definition: \(e.message)")
            return ExitCode.dataError
        } catch {
            Console.err("simpul: \(error)")
            return ExitCode.failure
        }
    }
}
