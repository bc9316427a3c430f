#include "service/blob_store.h"

#include <filesystem>

#include "shroud/image_io.h"

namespace shroud::service {

std::string BlobStore::path(const std::string& hash) const { return root_ + "/" + hash.substr(0, 2) + "/" + hash; }

Result<std::string> BlobStore::put(const Bytes& bytes) const {
  const std::string hash = hash_hex(bytes.data(), bytes.size());
  const std::string p = path(hash);
  std::error_code ec;
  if (std::filesystem::is_regular_file(p, ec)) return hash;
  std::filesystem::create_directories(root_ + "/" + hash.substr(0, 2), ec);
  if (ec) return make_error(ErrorCode::kIo, "blob store: cannot create a folder under '" + root_ + "': " + ec.message());
  Status s = write_file_atomic(p, bytes, WriteOptions{true, 0600});
  if (!s.ok()) return s.error();
  return hash;
}

Result<Bytes> BlobStore::get(const std::string& hash) const {
  if (hash.size() != 64) return make_error(ErrorCode::kCorrupt, "blob store: malformed blob name");
  auto bytes = read_file(path(hash), 1LL << 31);
  if (!bytes.ok()) return make_error(ErrorCode::kNotFound, "blob " + hash + " is missing: " + bytes.error().message);
  if (hash_hex(bytes->data(), bytes->size()) != hash) {
    return make_error(ErrorCode::kCorrupt, "blob " + hash + " does not match its hash (damaged on disk)");
  }
  return bytes;
}

}  // namespace shroud::service
