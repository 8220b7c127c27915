import Crypto
import Foundation
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// A local certificate authority and a server certificate, made in Swift, so a partnership
/// can run the hub without a public CA: agents are given `ca.pem` and trust only it.
public enum HubCertificates {
    /// Where `generate` wrote things (paths relative to the data directory).
    public struct Files: Sendable, Equatable {
        /// The CA certificate agents are given to trust.
        public var caCertificate = "tls/ca.pem"
        /// The CA's private key (0600): keep it to issue a new server certificate later.
        public var caKey = "tls/ca-key.pem"
        /// The hub's server certificate, signed by the CA.
        public var certificate = "tls/server.pem"
        /// The server certificate's private key (0600).
        public var key = "tls/server-key.pem"
        /// The standard paths under `tls/`.
        public init() {}
    }

    /// Makes a CA (P-256, 10 years) and a server certificate (P-256, 825 days) for the names
    /// given, plus `localhost`, `127.0.0.1` and `::1`. Keys are written 0600.
    public static func generate(hostnames: [String], dataDir: URL, now: Date = Date()) throws -> Files {
        let files = Files()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Concord")
            CommonName("Concord hub local CA")
        }
        let caCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))

        var names: [String] = []
        for name in hostnames + ["localhost", "127.0.0.1", "::1"] where !names.contains(name) { names.append(name) }
        let serverKey = P256.Signing.PrivateKey()
        let serverName = try DistinguishedName {
            OrganizationName("Concord")
            CommonName(names.first ?? "localhost")
        }
        let altNames = try names.map { name -> GeneralName in
            if let bytes = ipAddressBytes(name) { return .ipAddress(ASN1OctetString(contentBytes: bytes[...])) }
            guard isValidHostname(name) else {
                throw ConfigError("'\(name)' is neither a host name nor an IP address")
            }
            return .dnsName(name)
        }
        let serverCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(825 * 86400),
            issuer: caName, subject: serverName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(altNames)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: .init(caKey.publicKey)).keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))

        let tlsDir = dataDir.appendingPathComponent("tls")
        try SecureFiles.makeDirectory(tlsDir.path)
        try SecureFiles.write(
            try caCertificate.serializeAsPEM().pemString + "\n",
            to: dataDir.appendingPathComponent(files.caCertificate).path, mode: 0o644)
        try SecureFiles.write(
            caKey.pemRepresentation + "\n", to: dataDir.appendingPathComponent(files.caKey).path, mode: 0o600)
        try SecureFiles.write(
            try serverCertificate.serializeAsPEM().pemString + "\n" + (try caCertificate.serializeAsPEM().pemString)
                + "\n",
            to: dataDir.appendingPathComponent(files.certificate).path, mode: 0o644)
        try SecureFiles.write(
            serverKey.pemRepresentation + "\n", to: dataDir.appendingPathComponent(files.key).path, mode: 0o600)
        return files
    }

    /// Issues a client certificate (P-256, 825 days, for TLS client authentication) named
    /// `commonName` with the local CA that `generate` made in `dataDir`, for agencies when the
    /// hub requires mutual TLS (`tls.clientCA`). Writes `tls/client-NAME.pem` and
    /// `tls/client-NAME-key.pem` (0600) and returns their paths.
    public static func issueClientCertificate(
        commonName: String, dataDir: URL, now: Date = Date()
    ) throws -> (certificate: String, key: String) {
        let files = Files()
        let caPath = dataDir.appendingPathComponent(files.caCertificate).path
        let caKeyPath = dataDir.appendingPathComponent(files.caKey).path
        let caCertificate = try Certificate(pemEncoded: String(contentsOfFile: caPath, encoding: .utf8))
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: caKeyPath, encoding: .utf8))
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Concord")
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(825 * 86400),
            issuer: caCertificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: .init(caKey.publicKey)).keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))
        let certificatePath = dataDir.appendingPathComponent("tls/client-\(commonName).pem").path
        let keyPath = dataDir.appendingPathComponent("tls/client-\(commonName)-key.pem").path
        try SecureFiles.write(try certificate.serializeAsPEM().pemString + "\n", to: certificatePath, mode: 0o644)
        try SecureFiles.write(key.pemRepresentation + "\n", to: keyPath, mode: 0o600)
        return (certificatePath, keyPath)
    }

    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func isValidHostname(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
