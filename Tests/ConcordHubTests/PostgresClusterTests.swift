import ConcordTestSupport
import Foundation
import Testing

/// The throwaway PostgreSQL cluster the PostgreSQL store's tests will run on (issue 13).
@Suite("Throwaway PostgreSQL cluster")
struct PostgresClusterTests {
    @Test func aClusterStarts_answersOnItsPrivateSocketOnly_andIsGoneAfter() async throws {
        let dir = try await withPostgres { pg -> URL in
            try await pg.createDatabase("concord_test")
            #expect(
                try await pg.psql("SELECT 40 + 2", database: "concord_test").trimmingCharacters(
                    in: .whitespacesAndNewlines) == "42")
            #expect(try await pg.psql("SHOW listen_addresses").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            #expect(try await pg.psql("SHOW server_version_num").hasPrefix("15"))
            #expect(pg.url("concord_test") == "postgres://concord@/concord_test?host=\(pg.dir.path)")
            return pg.dir
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}
