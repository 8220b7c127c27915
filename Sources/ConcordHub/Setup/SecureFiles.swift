import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files and folders only the service's user may read.
public enum SecureFiles {
    /// Creates a folder (and its parents) with mode 0700, or tightens an existing one.
    public static func makeDirectory(_ path: String, mode: Int = 0o700) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// Writes a file atomically (temp file, fsync, rename, directory fsync) with the given
    /// mode from the start. The temporary file has an unpredictable name and is created
    /// exclusively, never through a link; every step's failure is reported, and a failed
    /// write leaves no temporary file behind.
    public static func write(_ text: String, to path: String, mode: mode_t = 0o600) throws {
        func failure(_ what: String) -> ConfigError {
            ConfigError("cannot write \(path): \(what): \(String(cString: strerror(errno)))")
        }
        let temp = path + ".tmp-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create") }
        var done = false
        defer {
            close(fd)
            if !done { unlink(temp) }
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write")
            }
            written += n
        }
        guard fchmod(fd, mode) == 0 else { throw failure("chmod") }
        guard fsync(fd) == 0 else { throw failure("fsync") }
        guard rename(temp, path) == 0 else { throw failure("rename") }
        done = true
        let directory = (path as NSString).deletingLastPathComponent
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            defer { close(dirFD) }
            guard fsync(dirFD) == 0 else { throw failure("fsync of its directory") }
        }
    }
}
