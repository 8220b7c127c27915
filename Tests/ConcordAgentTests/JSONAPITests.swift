import ConcordClient
import ConcordHTTP
import Testing

/// How a client tells a Concord server's refusal from a page something in between sent.
@Suite("JSON API refusals")
struct JSONAPITests {
    static func answer(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [:], body: Array(body.utf8), newConnections: 0)
    }

    @Test func theServersErrorBody_isItsRefusal() {
        let refusal = JSONAPI.refusal(
            of: Self.answer(422, #"{"error":{"status":422,"code":"unprocessable","message":"add evidence first"}}"#))
        #expect(refusal == APIRefusal(status: 422, code: "unprocessable", message: "add evidence first"))
        #expect(refusal.fromServer)
    }

    @Test func aProxysPage_isABareStatus() {
        let refusal = JSONAPI.refusal(of: Self.answer(400, "<html><body>Bad Request</body></html>"))
        #expect(refusal == APIRefusal(status: 400, code: "http400", message: "HTTP 400"))
        #expect(!refusal.fromServer)
    }

    @Test func anUnreadableAnswer_isABadResponseThatSaysWhy() {
        #expect {
            let _: [String] = try JSONAPI.decode(Array(#"{"not":"a list"}"#.utf8))
        } throws: { error in
            (error as? APIRefusal).map { $0.code == "badResponse" && $0.message.hasPrefix("unreadable answer:") }
                ?? false
        }
    }
}
