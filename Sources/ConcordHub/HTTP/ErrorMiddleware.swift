import ConcordCore
import Hummingbird
import Logging

/// Turns every error into a JSON error body with the right status, so bad input is never a
/// 500, counts responses for the metrics, and logs each request by route and status only.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let metrics: HubMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as HubError {
            response = try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let code = error.status.code
            let message =
                switch code {
                case 404: "no such route: \(request.method) \(request.uri.path.prefix(200)); see docs/openapi.yaml"
                case 405: "method \(request.method) is not allowed here"
                case 413: "the request body is too large"
                default: (error as? HTTPError)?.body ?? error.status.reasonPhrase
                }
            response = try HubError(Self.kind(code), message).response(from: request, context: context)
                .with(status: error.status)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(type(of: error))"])
            response = try HubError(
                .internal,
                "the hub could not complete the request; try again, and tell the hub's administrator if it persists"
            )
            .response(from: request, context: context)
        }
        metrics.countRequest(
            status: response.status.code, route: context.endpointPath, duration: ContinuousClock.now - start)
        return response
    }

    static func kind(_ code: Int) -> HubError.Kind {
        switch code {
        case 401: .unauthorized
        case 403: .forbidden
        case 404, 405: .notFound
        case 409: .conflict
        case 413: .payloadTooLarge
        case 422: .unprocessable
        case 503: .unavailable
        case 500...: .internal
        default: .badRequest
        }
    }
}

extension Response {
    fileprivate func with(status: HTTPResponse.Status) -> Response {
        var copy = self
        copy.status = status
        return copy
    }
}
