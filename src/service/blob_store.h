// Protected items' bytes: content-addressed files beside the database (DATA/blobs/ab/<hash>),
// named by BLAKE2b-256 of their content, written atomically (temp file, fsync, rename) before
// the item row that names them is committed; read back only after re-checking the hash.
#pragma once

#include <string>

#include "service/service_crypto.h"

namespace shroud::service {

class BlobStore {
 public:
  explicit BlobStore(std::string root) : root_(std::move(root)) {}
  // Stores `bytes` (no-op when the same content is already there); returns its hash.
  Result<std::string> put(const Bytes& bytes) const;
  // kNotFound when absent, kCorrupt when the file no longer matches its name.
  Result<Bytes> get(const std::string& hash) const;

 private:
  std::string path(const std::string& hash) const;
  std::string root_;
};

}  // namespace shroud::service
