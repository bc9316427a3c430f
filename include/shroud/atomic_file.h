// Output files that appear whole or not at all. Every file Shroud writes (images, containers,
// keys, recovery tracks, videos, regions JSON) goes through AtomicFile: a temporary file beside
// the target, created with O_EXCL | O_NOFOLLOW (never an existing file, never through a
// symbolic link), written, fsync'd and renamed over the target on commit(); removed when the
// writer is destroyed without commit(), so a failure leaves no partial output.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "shroud/result.h"

namespace shroud {

struct WriteOptions {
  bool overwrite = false;   // replace an existing file (never a symlink)
  // Mode of the new file before the umask. A private mode (no group/other bits, e.g. 0600 for
  // keys) is enforced with fchmod, so the umask cannot widen or narrow it.
  unsigned mode = 0644;
};

// The checks AtomicFile::create makes before writing: `path` is not a symbolic link or a folder,
// does not exist unless `overwrite`, and its folder exists.
Status check_write_target(const std::string& path, bool overwrite);

class AtomicFile {
 public:
  // Checks the target, then creates the temporary file. `temp_suffix` ends the temporary name
  // (e.g. ".mkv" for a library that looks at the extension).
  static Result<AtomicFile> create(const std::string& path, const WriteOptions& options = {},
                                   const std::string& temp_suffix = "");

  AtomicFile() = default;
  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&& o) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temporary file unless committed

  Status write(std::span<const std::uint8_t> bytes);
  Status write(const std::string& text);
  Status sync();    // fsync: what was written is on disk (still under the temporary name)
  Status commit();  // fsync, close, rename over the target
  void discard();   // close and remove the temporary file now

  const std::string& path() const { return path_; }
  // The temporary file, for a library that opens the file by name itself (libavformat).
  const std::string& temp_path() const { return tmp_; }
  bool committed() const { return committed_; }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes `bytes` to `path` atomically (AtomicFile: create, write, commit).
Status write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes,
                         const WriteOptions& options = {});

}  // namespace shroud
