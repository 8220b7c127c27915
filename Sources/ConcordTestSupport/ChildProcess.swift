import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real binary of this package started as a child process, logging to a file, always
/// stopped by the test that started it.
public final class ChildProcess: @unchecked Sendable {
    /// The running process.
    public let process: Process
    /// The file its stdout and stderr are appended to.
    public let logFile: URL

    /// The folder holding the built executables: `CONCORD_BIN_DIR`, or next to the test bundle.
    public static var binDir: URL {
        if let dir = ProcessInfo.processInfo.environment["CONCORD_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("concord-hub").path) {
                return url
            }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }

    /// One of the package's binaries by name, or any program by absolute path.
    public static func executable(_ name: String) throws -> URL {
        let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : binDir.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw ChildError("\(url.path) is missing: run `swift build` before `swift test`")
        }
        return url
    }

    /// Starts binary `name` (see `executable(_:)`) outside systemd, logging to `logFile`.
    public init(_ name: String, _ arguments: [String], environment: [String: String] = [:], logFile: URL) throws {
        // Not under systemd, whatever the test runner's environment says.
        process = try Self.prepare(name, arguments, environment: ["NOTIFY_SOCKET": ""].merging(environment) { $1 })
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        self.logFile = logFile
        try process.run()
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }
    /// Whether it has not exited yet.
    public var isRunning: Bool { process.isRunning }

    /// Sends signal `sig` if it is still running.
    public func signal(_ sig: Int32) {
        if process.isRunning { kill(process.processIdentifier, sig) }
    }

    /// Waits for the exit, up to `timeout`; returns the exit status, or nil if it is still running.
    public func waitForExit(timeout: Duration = .seconds(10)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it does not stop.
    public func stop() async {
        signal(SIGTERM)
        if await waitForExit(timeout: .seconds(10)) == nil {
            signal(SIGKILL)
            _ = await waitForExit()
        }
    }

    /// The log so far; empty when the file cannot be read.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// A process for one of the package's binaries, with this environment plus `environment`.
    static func prepare(_ name: String, _ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = try executable(name)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        return process
    }

    /// Runs a command to completion; stdout and stderr apart. The blocking reads and the wait
    /// happen on threads of their own, never on one of Swift's cooperative pool (which has only
    /// as many threads as cores, and is shared with the in-process hubs of other suites).
    public static func runSeparately(
        _ name: String, _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await onOwnThread {
            let process = try prepare(name, arguments, environment: environment)
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            final class Box: @unchecked Sendable { var data = Data() }
            let errBox = Box()
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                errBox.data = err.fileHandleForReading.readDataToEndOfFile()
                done.signal()
            }
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            done.wait()
            return (
                process.terminationStatus, String(decoding: outData, as: UTF8.self),
                String(decoding: errBox.data, as: UTF8.self)
            )
        }
    }

    /// Runs a command to completion and returns its exit status and output (stdout and stderr
    /// together), blocking only a thread of its own.
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) async throws -> (status: Int32, output: String) {
        try await onOwnThread {
            let process = try prepare(name, arguments, environment: environment)
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            let stdin = Pipe()
            if input != nil { process.standardInput = stdin }
            try process.run()
            if let input {
                stdin.fileHandleForWriting.write(Data(input.utf8))
                try stdin.fileHandleForWriting.close()
            }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    /// Runs blocking `work` on a new thread and resumes the caller with its result, so the
    /// cooperative pool stays free while it blocks.
    public static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// A test helper's failure, saying what went wrong.
public struct ChildError: Error, CustomStringConvertible {
    /// What went wrong, often with the child's log.
    public var description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

/// Waits for a file (e.g. the hub's port file) to hold a number.
public func waitForPort(_ file: URL, process: ChildProcess, timeout: Duration = .seconds(60)) async throws -> Int {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let text = try? String(contentsOf: file, encoding: .utf8),
            let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), port > 0
        {
            return port
        }
        guard process.isRunning else { throw ChildError("the process exited early:\n\(process.log)") }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw ChildError("no port after \(timeout):\n\(process.log)")
}

/// Polls `condition` (every `interval`) until it holds or `timeout` has passed; returns whether
/// it held. For values that arrive in the background — a pull, an acknowledgement — so a test
/// waits as long as a slow machine needs, and not a moment longer than the value takes.
public func eventually(
    timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}
