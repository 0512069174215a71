// sluice/checkpoint_file.hpp: write snapshot files atomically and refuse stale writers (POSIX).
//
// Every sluice snapshot (for example window_dedup::save) begins with a 16-byte prefix:
// a 4-byte format magic, a little-endian u32 format version and a little-endian u64 writer
// epoch. `write_snapshot_file` replaces a file so that readers see either the old or the new
// snapshot, never a mix (temporary file, fsync, rename, fsync of the directory), and refuses
// with STALE_WRITER when the file on disk is a snapshot of the same format (same magic) with a
// newer epoch: two overlapping deploys cannot interleave checkpoints; the one with the higher
// epoch wins, whether the writers are processes or threads of one process.
//
//   std::string bytes;
//   dedup.save(bytes, /*writer_epoch=*/deploy_generation);
//   if (auto ec = sluice::write_snapshot_file("/var/lib/app/dedup.snap", bytes)) log(ec);
//   auto loaded = sluice::read_snapshot_file("/var/lib/app/dedup.snap");   // result<std::string>
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include "sluice/errors.hpp"

SLUICE_NAMESPACE_BEGIN

// Bytes of the prefix every snapshot starts with: magic (4), version (4), writer epoch (8).
inline constexpr std::size_t snapshot_prefix_size = 16;

// The writer epoch stored in a snapshot's prefix; CHECKPOINT_CORRUPT when it is too short.
inline result<std::uint64_t> snapshot_epoch(std::string_view snapshot) noexcept {
  if (snapshot.size() < snapshot_prefix_size) return errc::checkpoint_corrupt;
  std::uint64_t epoch = 0;
  for (int i = 7; i >= 0; --i) epoch = epoch << 8 | static_cast<unsigned char>(snapshot[8 + static_cast<std::size_t>(i)]);
  return epoch;
}

namespace detail {

inline std::error_code snapshot_errno(int error) noexcept {
  if (error == ENOENT || error == ENOTDIR) return make_error_code(errc::not_found);
  if (error == ENOSPC
#ifdef EDQUOT
      || error == EDQUOT
#endif
  )
    return make_error_code(errc::storage_full);
  if (error == EACCES || error == EPERM || error == EROFS) return make_error_code(errc::permission_denied);
  return make_error_code(errc::io_error);
}

class snapshot_fd {
 public:
  explicit snapshot_fd(int fd) noexcept : fd_(fd) {}
  snapshot_fd(const snapshot_fd&) = delete;
  snapshot_fd& operator=(const snapshot_fd&) = delete;
  ~snapshot_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  // Closes now and reports whether close succeeded.
  bool close() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd < 0 || ::close(fd) == 0;
  }

 private:
  int fd_;
};

inline bool snapshot_write_all(int fd, const char* data, std::size_t size) noexcept {
  while (size > 0) {
    const ::ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads the first `size` bytes of a file; returns how many were read, -1 on error (errno set).
inline long snapshot_read_prefix(int fd, char* out, std::size_t size) noexcept {
  std::size_t got = 0;
  while (got < size) {
    const ::ssize_t n = ::read(fd, out + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return static_cast<long>(got);
}

inline std::string snapshot_directory(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace detail

// Atomically replaces the file at `path` with `snapshot` (which must start with the snapshot
// prefix), keeping the old file's permissions. Errors: STALE_WRITER when the existing file is a
// snapshot with the same magic and a newer epoch (equal epochs may overwrite: a writer
// re-saving), CHECKPOINT_CORRUPT when `snapshot` has no prefix, NOT_FOUND when the directory
// does not exist, STORAGE_FULL, PERMISSION_DENIED or IO_ERROR from the file system. An
// existing file that carries no comparable epoch (too short, another magic: not a snapshot of
// this format, or one whose first bytes were damaged) is replaced. Writers, processes or
// threads, serialize on a lock of `path + ".lock"` (left in place), so the epoch check and the
// rename are one step.
inline std::error_code write_snapshot_file(const std::string& path, std::string_view snapshot) {
  auto epoch = snapshot_epoch(snapshot);
  if (!epoch) return epoch.error();

#if !defined(F_OFD_SETLKW)
  // Without open-file locks, an fcntl lock belongs to the whole process: its threads take
  // turns here first.
  static std::mutex in_process;
  std::lock_guard<std::mutex> one_thread(in_process);
#endif
  detail::snapshot_fd lock(::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.get() < 0) return detail::snapshot_errno(errno);
  struct flock whole {};
  whole.l_type = F_WRLCK;
  whole.l_whence = SEEK_SET;
#if defined(F_OFD_SETLKW)
  const int lock_command = F_OFD_SETLKW;  // held by this open file: threads serialize too
#else
  const int lock_command = F_SETLKW;
#endif
  while (::fcntl(lock.get(), lock_command, &whole) != 0)
    if (errno != EINTR) return detail::snapshot_errno(errno);

  bool replacing = false;
  mode_t mode = 0644;
  {
    detail::snapshot_fd existing(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (existing.get() >= 0) {
      char prefix[snapshot_prefix_size];
      const long got = detail::snapshot_read_prefix(existing.get(), prefix, sizeof prefix);
      if (got < 0) return detail::snapshot_errno(errno);
      auto on_disk = snapshot_epoch(std::string_view(prefix, static_cast<std::size_t>(got)));
      if (on_disk && std::memcmp(prefix, snapshot.data(), 4) == 0 && *on_disk > *epoch)
        return make_error_code(errc::stale_writer);
      struct stat status {};
      if (::fstat(existing.get(), &status) == 0) {
        replacing = true;
        mode = status.st_mode & 0777;
      }
    } else if (errno != ENOENT) {
      return detail::snapshot_errno(errno);
    }
  }

  // A name no other writer uses. One left behind by a crashed process of the same pid (pid 1
  // in containers) is skipped, not removed: it is not this call's to delete.
  static std::atomic<unsigned> sequence{0};
  std::string temporary;
  std::error_code failure;
  {
    int fd = -1;
    for (int attempt = 0; attempt < 64 && fd < 0; ++attempt) {
      temporary = path + ".tmp." + std::to_string(::getpid()) + "." +
                  std::to_string(sequence.fetch_add(1, std::memory_order_relaxed));
      fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, replacing ? 0600 : 0644);
      if (fd < 0 && errno != EEXIST) break;
    }
    detail::snapshot_fd out(fd);
    if (out.get() < 0) return detail::snapshot_errno(errno);
    // A replacement keeps the old file's permissions; a new file gets 0644 less the umask.
    if ((replacing && ::fchmod(out.get(), mode) != 0) ||
        !detail::snapshot_write_all(out.get(), snapshot.data(), snapshot.size()) || ::fsync(out.get()) != 0 ||
        !out.close())
      failure = detail::snapshot_errno(errno);
  }
  if (!failure && ::rename(temporary.c_str(), path.c_str()) != 0) failure = detail::snapshot_errno(errno);
  if (failure) {
    ::unlink(temporary.c_str());
    return failure;
  }
  detail::snapshot_fd directory(::open(detail::snapshot_directory(path).c_str(), O_RDONLY | O_CLOEXEC));
  if (directory.get() < 0 || ::fsync(directory.get()) != 0) return detail::snapshot_errno(errno);
  return std::error_code();
}

// The whole snapshot file at `path`. NOT_FOUND when there is none (a first start), else
// IO_ERROR or PERMISSION_DENIED when it cannot be read.
inline result<std::string> read_snapshot_file(const std::string& path) {
  detail::snapshot_fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return detail::snapshot_errno(errno);
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    const ::ssize_t n = ::read(in.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return detail::snapshot_errno(errno);
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return bytes;
}

SLUICE_NAMESPACE_END
