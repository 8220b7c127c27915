import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Headless Chromium (Debian's `chromium`) rendering a page the way a person will see it,
/// with every request it makes sent to a recording proxy on loopback, so a test can say the
/// page loaded nothing from anywhere.
public enum Chromium {
    /// Where Debian installs it.
    public static let path = "/usr/bin/chromium"

    /// Hosts Chromium itself calls in the background (component updates, network time,
    /// accounts) whatever the page holds; exact names, so a page's own request to another host
    /// of the same company (fonts.googleapis.com) still counts.
    public static let ownHosts: Set<String> = [
        "update.googleapis.com", "accounts.google.com", "clients2.google.com", "redirector.gvt1.com",
    ]

    /// What a page asked for beyond its own file.
    public struct Render: Sendable {
        /// The request lines the page caused (`GET http://…`, `CONNECT host:443`).
        public var requests: [String]
        /// Chromium's exit status.
        public var status: Int32
        /// Its output, for a failure message.
        public var output: String
    }

    /// Renders `page` (a local HTML file) into a PNG screenshot of A4's proportions, or a PDF
    /// with `pdf`, and returns the requests the page made.
    public static func render(_ page: URL, screenshot: URL? = nil, pdf: URL? = nil) async throws -> Render {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ChildError("\(path) is missing: install Debian's chromium (scripts/install-deps)")
        }
        let recorder = try RequestRecorder()
        defer { recorder.stop() }
        var arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--proxy-server=http://127.0.0.1:\(recorder.port)", "--proxy-bypass-list=<-loopback>",
            "--user-data-dir="
                + FileManager.default.temporaryDirectory.appendingPathComponent(
                    "concord-chromium-\(UUID().uuidString)"
                ).path, "--window-size=1240,1754",
        ]
        if let screenshot { arguments.append("--screenshot=\(screenshot.path)") }
        if let pdf { arguments += ["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer"] }
        arguments.append(page.absoluteString)
        let (status, output) = try await ChildProcess.run(path, arguments)
        try? await Task.sleep(for: .milliseconds(300))
        let requests = recorder.requests.filter { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 2 else { return true }
            let target = String(parts[1])
            let host =
                parts[0] == "CONNECT"
                ? String(target.split(separator: ":").first ?? "")
                : (URL(string: target)?.host ?? target)
            return !ownHosts.contains(host)
        }
        return Render(requests: requests, status: status, output: output)
    }
}

/// A loopback listener that records the first line of every request sent to it and answers
/// nothing: as a browser's proxy, it sees every request the browser makes.
final class RequestRecorder: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var lines: [String] = []
    private var stopped = false

    init() throws {
        (listener, port) = try listenOnLoopback(backlog: 32, what: "request recorder")
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var requests: [String] { lock.withLock { lines } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            Thread.detachNewThread { [self] in
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(client, &buffer, buffer.count)
                if n > 0 {
                    let text = String(decoding: buffer[0..<n], as: UTF8.self)
                    let line = String(text.split(separator: "\r\n", maxSplits: 1).first ?? "")
                    lock.withLock { lines.append(line) }
                }
                close(client)
            }
        }
    }
}
