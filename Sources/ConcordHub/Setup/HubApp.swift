import ConcordCodec
import ConcordCore
import ConcordSystemd
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// Builds and runs the hub exactly as production runs it; tests boot the same graph.
public enum HubApp {
    /// Everything the hub runs, in start order: the HTTPS server, the long-poll closer and
    /// the systemd notifier. A `ServiceGroup` shuts them down in reverse: systemd hears
    /// STOPPING=1, waiting long-polls are ended, then the server drains its requests.
    public static func buildServices(
        config: HubConfig, store: Hub, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> [any Service] {
        let ready = ReadySignal()
        let app = try buildApplication(config: config, store: store, logger: logger) { port in
            await ready.fire("serving on port \(port)")
            await onRunning(port)
        }
        return [app, FeedCloser(feed: store.feed), SystemdService(logger: logger, ready: { await ready.wait() })]
    }

    /// Reads TLS files, opens the store and wires routes, middleware and services.
    /// `onRunning` is told the bound port once the server listens.
    public static func buildApplication(
        config: HubConfig, store: Hub, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let metrics = HubMetrics()
        let router = Router(context: HubRequestContext.self)
        router.add(middleware: ErrorMiddleware(metrics: metrics))
        HubRoutes(
            store: store, metrics: metrics, limits: config.limits, certificatesNameAgencies: config.tls.clientCA != nil
        ).register(on: router)

        let tls = try tlsConfiguration(config)
        let http = HTTP1Channel.Configuration(idleTimeout: .seconds(Int64(config.limits.idleTimeoutSeconds)))
        return Application(
            router: router,
            server: try .tls(.http1(configuration: http), tlsConfiguration: tls),
            configuration: .init(
                address: .hostname(config.host, port: config.port), serverName: "concord-hub",
                availableConnectionsDelegate: MaximumAvailableConnections(config.limits.maxConnections)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                if let file = config.portFile { try? SecureFiles.write("\(port)\n", to: file, mode: 0o644) }
                logger.notice("listening", metadata: ["address": "https://\(config.host):\(port)"])
                await onRunning(port)
            },
            logger: logger)
    }

    /// TLS 1.2 at the least, with the certificate chain and key of the config (the key may
    /// come from the systemd credential `tls-key`).
    static func tlsConfiguration(_ config: HubConfig) throws -> TLSConfiguration {
        let certificatePath = config.path(config.tls.certificate)
        let keyPath = config.privateKeyPath()
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(certificatePath) } catch {
            throw ConfigError("cannot read TLS certificate \(certificatePath): \(error)")
        }
        do { key = try NIOSSLPrivateKey(file: keyPath, format: .pem) } catch {
            throw ConfigError("cannot read TLS private key \(keyPath): \(error)")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        // TLS 1.2 with forward secrecy and AEAD only: no static-RSA key exchange, no CBC.
        // (TLS 1.3's suites are all AEAD and are not set here.)
        tls.cipherSuiteValues = [
            .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ]
        if let clientCA = config.tls.clientCA {
            // Mutual TLS: a connection without a certificate from these CAs is refused in the
            // handshake (the bearer token is still needed on top).
            let path = config.path(clientCA)
            let roots: [NIOSSLCertificate]
            do { roots = try NIOSSLCertificate.fromPEMFile(path) } catch {
                throw ConfigError("cannot read tls.clientCA \(path): \(error)")
            }
            guard !roots.isEmpty else { throw ConfigError("tls.clientCA \(path) holds no certificate") }
            tls.trustRoots = .certificates(roots)
            tls.certificateVerification = .noHostnameVerification
        }
        do { _ = try NIOSSLContext(configuration: tls) } catch {
            throw ConfigError(
                "the TLS key \(keyPath) does not fit the certificate \(certificatePath) (\(error)); give the key of that certificate"
            )
        }
        return tls
    }

    /// Runs the hub from a config until SIGTERM or SIGINT, then drains requests and closes
    /// the database.
    public static func run(config: HubConfig, logger: Logger) async throws {
        umask(0o077)
        let schemes = try loadSchemes(config)
        let store = try await Hub.open(
            try config.databaseLocation(), schemes: schemes, report: config.report,
            screening: try config.screeningPolicy(), logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: try buildServices(config: config, store: store, logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await store.flushContacts()
            try? store.close()
            throw error
        }
        await store.flushContacts()
        try store.close()
        logger.notice("stopped; database closed")
    }

    /// The RAG schemes of the config, or `nil` for the built-in scheme.
    public static func loadSchemes(_ config: HubConfig) throws -> RAGSchemeCatalog? {
        guard let file = config.ragSchemes else { return nil }
        let path = config.path(file)
        do {
            return try ConcordJSON.decode(RAGSchemeCatalog.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ConfigError("cannot read RAG schemes \(path): \(ConcordJSON.explain(error))")
        }
    }
}

/// Ends waiting long-polls as soon as shutdown begins, so draining takes milliseconds.
struct FeedCloser: Service {
    let feed: ChangeFeed

    func run() async throws {
        try? await gracefulShutdown()
        await feed.close()
    }
}

extension HubApp {
    /// What `check-config` checks: the TLS files load and the RAG schemes parse.
    public static func check(_ config: HubConfig) throws {
        _ = try tlsConfiguration(config)
        _ = try loadSchemes(config)
    }
}
