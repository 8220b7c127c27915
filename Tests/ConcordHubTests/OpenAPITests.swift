import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordHub

/// docs/openapi.yaml describes exactly the routes the hub serves (schemathesis, run by
/// .ci/run, checks the bodies against it on a live hub).
@Suite("OpenAPI document")
struct OpenAPITests {
    /// `METHOD /path` pairs under `paths:`, with `{param}` written as `:param`.
    static func documentedRoutes() throws -> Set<String> {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var routes = Set<String>()
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty && !line.hasPrefix("#") {
                inPaths = line.hasPrefix("paths:")
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
                    .replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(String(method)) {
                    routes.insert("\(method.uppercased()) \(path)")
                }
            }
        }
        return routes
    }

    @Test func everyServedRouteIsDocumented_andNothingElse() async throws {
        try await withTemporaryDirectory { dir in
            let store = try await Hub(path: dir.appendingPathComponent("db.sqlite").path, logger: .init(label: "t"))
            defer { try? store.close() }
            let served = Set(
                HubRoutes(store: store, metrics: HubMetrics(), limits: .init()).endpoints.map {
                    "\($0.method.rawValue) \($0.path)"
                })
            let documented = try Self.documentedRoutes()
            #expect(served.count == 24)
            #expect(
                served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented))")
            #expect(
                documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served))")
        }
    }

    @Test func documentNamesTheVersionTheSecuritySchemeAndTheErrorBody() throws {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        #expect(text.hasPrefix("openapi: 3.1") || text.contains("\nopenapi: 3.1"))
        #expect(text.contains("bearerAuth"))
        #expect(text.contains("ErrorBody"))
        for outcome in Outcome.allCases { #expect(text.contains(outcome.rawValue)) }
        for field in Field.allCases { #expect(text.contains(field.rawValue), "field \(field) is not documented") }
    }
}
