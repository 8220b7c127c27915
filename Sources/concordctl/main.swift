import ConcordCLI

#if canImport(Glibc)
    import Glibc
#endif

exit(await Concordctl.run(arguments: Array(CommandLine.arguments.dropFirst())))
