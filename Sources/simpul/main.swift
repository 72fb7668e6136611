import Foundation
import SimpulCLI

exit(SimpulCLI.main(Array(CommandLine.arguments.dropFirst())))
