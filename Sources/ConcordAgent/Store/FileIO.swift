import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The few file operations the store needs, on plain file descriptors, with the error
/// said in words: append and fsync, atomic replace, directory fsync, an exclusive lock.
public enum FileIO {
    struct Error: Swift.Error, CustomStringConvertible {
        var description: String
    }

    static func failure(_ what: String, _ path: String) -> Error {
        Error(description: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// The whole file, or `nil` when it does not exist.
    public static func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("cannot open", path)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read", path)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write", path)
            }
            written += n
        }
    }

    /// Replaces `path` with `bytes` so that a crash leaves either the old or the new file:
    /// write a temporary file, fsync it, rename it over, fsync the directory.
    static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o600) throws {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("cannot create", temp) }
        do {
            try writeAll(fd, bytes, path: temp)
            guard fsync(fd) == 0 else { throw failure("cannot fsync", temp) }
        } catch {
            close(fd)
            unlink(temp)  // a half-written file must not keep the space a full disk needs
            throw error
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let error = failure("cannot rename onto", path)
            unlink(temp)
            throw error
        }
        try syncDirectory(of: path)
    }

    static func syncDirectory(of path: String) throws {
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open directory", dir) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot fsync directory", dir) }
    }

    /// Lock files this process holds, by file identity (device and inode), with their
    /// descriptors: record locks never conflict within one process.
    private static let held = Mutex<[String: Int32]>([:])

    /// A lock taken by ``lock(_:)``; ``unlock(_:)`` gives it back.
    struct Lock {
        let fd: Int32
        let key: String
    }

    /// Takes an exclusive lock on `path` for the life of the process, or refuses at once,
    /// naming the process that holds it.
    ///
    /// A POSIX record lock (`fcntl(F_SETLK)`): it belongs to this process, so a child being
    /// started (which holds copies of every descriptor until its exec) never holds it, and
    /// it goes the moment the process dies. Record locks do not conflict within one process,
    /// and closing any descriptor of the file drops them, so the file (by identity, whatever
    /// the path) is not even opened when this process holds it already. In-process attempts
    /// take turns. (Agents before this one took `flock`, which does not see these locks:
    /// stop the old agent before starting the new one, as the install does.)
    static func lock(_ path: String) throws -> Lock {
        let refused = "another concord-agent is already running on this state directory"
        let advice = "; stop it first (systemctl stop concord-agent)"
        return try held.withLock { held throws(Error) -> Lock in
            var st = stat()
            if stat(path, &st) == 0, held[identity(st)] != nil {
                throw Error(description: "\(refused) (this process, pid \(getpid()))\(advice)")
            }
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw failure("cannot open lock file", path) }
            guard fstat(fd, &st) == 0 else {
                let error = failure("cannot stat lock file", path)
                close(fd)
                throw error
            }
            let key = identity(st)
            // Replaced between the two looks: leave the descriptor open (closing it would
            // drop the lock this process holds on the file).
            guard held[key] == nil else { throw Error(description: "\(refused) (this process)\(advice)") }
            var whole = flock()
            whole.l_type = Int16(F_WRLCK)
            whole.l_whence = Int16(SEEK_SET)
            if fcntl(fd, F_SETLK, &whole) != 0 {
                var holder = flock()
                holder.l_type = Int16(F_WRLCK)
                holder.l_whence = Int16(SEEK_SET)
                let pid =
                    fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != Int16(F_UNLCK) ? " (pid \(holder.l_pid))" : ""
                close(fd)
                throw Error(description: "\(refused)\(pid)\(advice)")
            }
            _ = ftruncate(fd, 0)
            try? writeAll(fd, Array("\(getpid())\n".utf8), path: path)
            held[key] = fd
            return Lock(fd: fd, key: key)
        }
    }

    private static func identity(_ st: stat) -> String { "\(st.st_dev):\(st.st_ino)" }

    /// Gives a lock back (closing its file); a second call, or one for a lock no longer
    /// held, does nothing.
    static func unlock(_ lock: Lock) {
        held.withLock { held in
            guard held[lock.key] == lock.fd else { return }
            held[lock.key] = nil
            close(lock.fd)
        }
    }

    /// Creates a directory with mode 0700 (and its parents), or tightens an existing one.
    static func makePrivateDirectory(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST { throw failure("cannot create directory", current) }
        }
        chmod(path, 0o700)
    }

    /// File names in a directory.
    static func list(_ dir: String) throws -> [String] {
        guard let d = opendir(dir) else { throw failure("cannot list", dir) }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// An open journal file: lines appended, fsynced on request.
///
/// An append that fails (a full disk mid-line, a failed fsync) is cut off again, so the
/// file never keeps a fragment for the next line to be glued to, and an edit reported as
/// failed cannot come back at the next start. After a failed fsync the kernel may have
/// dropped pages it could not write, so the file is not trusted again: `needsRewrite` tells
/// the store to carry on in a new snapshot and journal. A file that cannot even be cut back
/// refuses every later append.
final class AppendFile {
    let path: String
    private let fd: Int32
    private(set) var size: Int
    /// An fsync failed: what this file holds may not all be on disk.
    private(set) var needsRewrite = false
    /// A failed append could not be cut back: the file's end is unknown.
    private var broken: FileIO.Error?

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileIO.failure("cannot open", path) }
        size = Int(lseek(fd, 0, SEEK_END))
    }

    deinit { close(fd) }

    func append(_ bytes: [UInt8], sync: Bool) throws {
        if let broken { throw broken }
        do {
            try FileIO.writeAll(fd, bytes, path: path)
            if sync {
                guard fdatasync(fd) == 0 else {
                    let error = FileIO.failure("cannot fsync", path)
                    needsRewrite = true
                    throw error
                }
            }
        } catch let error as FileIO.Error {
            if ftruncate(fd, off_t(size)) != 0 {
                broken = FileIO.Error(
                    description:
                        "\(error.description); the journal could not be cut back to its last whole line, so no more edits are taken: restart concord-agent"
                )
            } else {
                _ = fdatasync(fd)
            }
            throw error
        }
        size += bytes.count
    }

    /// Cuts the file back to `length` bytes (dropping a torn last line).
    func truncate(to length: Int) throws {
        guard ftruncate(fd, off_t(length)) == 0 else { throw FileIO.failure("cannot truncate", path) }
        size = length
        _ = fdatasync(fd)
    }
}
