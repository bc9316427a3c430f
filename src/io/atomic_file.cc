#include "shroud/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>

namespace fs = std::filesystem;

namespace shroud {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

Status check_write_target(const std::string& path, bool overwrite) {
  std::error_code ec;
  const fs::path target(path);
  const auto link_status = fs::symlink_status(target, ec);
  if (!ec && fs::is_symlink(link_status)) {
    return make_error(ErrorCode::kPermission, "'" + path + "' is a symbolic link; refusing to write through it");
  }
  if (!ec && fs::exists(link_status)) {
    if (fs::is_directory(link_status)) return make_error(ErrorCode::kInvalidArgument, "'" + path + "' is a directory");
    if (!overwrite) return make_error(ErrorCode::kInvalidArgument, "'" + path + "' already exists (use --force to overwrite)");
  }
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) {
    return make_error(ErrorCode::kNotFound, "output directory '" + dir.string() + "' does not exist");
  }
  return ok_status();
}

Result<AtomicFile> AtomicFile::create(const std::string& path, const WriteOptions& options, const std::string& temp_suffix) {
  SHROUD_RETURN_IF_ERROR(check_write_target(path, options.overwrite));
  const fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  AtomicFile f;
  f.path_ = path;
  std::random_device rd;
  const mode_t mode = static_cast<mode_t>(options.mode & 0777);
  for (int attempt = 0; attempt < 8 && f.fd_ < 0; ++attempt) {
    const std::string tmp = (dir / ("." + target.filename().string() + ".tmp-" + std::to_string(rd()) + "-" +
                                    std::to_string(::getpid()) + temp_suffix))
                                .string();
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd >= 0) {
      f.fd_ = fd;
      f.tmp_ = tmp;
    } else if (errno != EEXIST) {
      const int err = errno;
      return make_error(err == EACCES || err == EROFS ? ErrorCode::kPermission : ErrorCode::kIo,
                        "cannot write in '" + dir.string() + "': " + errno_text(err));
    }
  }
  if (f.fd_ < 0) return make_error(ErrorCode::kIo, "cannot create a temporary file in '" + dir.string() + "'");
  if ((options.mode & 077) == 0 && ::fchmod(f.fd_, mode) != 0) {
    return make_error(ErrorCode::kIo, "writing '" + path + "' failed: " + errno_text(errno));
  }
  return f;
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), fd_(std::exchange(o.fd_, -1)), committed_(o.committed_) {
  o.tmp_.clear();
}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
  if (this != &o) {
    discard();
    path_ = std::move(o.path_);
    tmp_ = std::move(o.tmp_);
    o.tmp_.clear();
    fd_ = std::exchange(o.fd_, -1);
    committed_ = o.committed_;
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

Status AtomicFile::write(std::span<const std::uint8_t> bytes) {
  if (fd_ < 0) return make_error(ErrorCode::kInternal, "'" + path_ + "': write after commit or discard");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kIo, "writing '" + path_ + "' failed: " + errno_text(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

Status AtomicFile::write(const std::string& text) {
  return write({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

Status AtomicFile::sync() {
  if (fd_ < 0) return make_error(ErrorCode::kInternal, "'" + path_ + "': sync after commit or discard");
  if (::fsync(fd_) != 0) return make_error(ErrorCode::kIo, "writing '" + path_ + "' failed: " + errno_text(errno));
  return ok_status();
}

Status AtomicFile::commit() {
  if (committed_) return ok_status();
  SHROUD_RETURN_IF_ERROR(sync());
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return make_error(ErrorCode::kIo, "writing '" + path_ + "' failed: " + errno_text(errno));
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return make_error(ErrorCode::kIo, "cannot move the output into place at '" + path_ + "': " + errno_text(errno));
  }
  committed_ = true;
  return ok_status();
}

Status write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes, const WriteOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::create(path, options));
  SHROUD_RETURN_IF_ERROR(f.write(bytes));
  return f.commit();
}

}  // namespace shroud
