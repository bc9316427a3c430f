// The audit trail: an append-only, hash-chained, signed record of every protect, recover, token
// and keyset change.
//
// Each entry commits to the previous one: hash = BLAKE2b-256 of the canonical JSON array
// [seq, time, tenant, actor, action, item, detail, prev], where prev is the previous entry's
// hash (64 zeros for seq 1); sig = Ed25519(hash) with the service's audit key (DATA/audit.key).
// After every commit the head (last seq and hash, signed) is written to DATA/audit.head, so a
// deleted tail is detected too. audit_verify() names the first bad entry: an edited field (hash
// mismatch), a reordered or deleted entry (seq gap or prev mismatch), a forged signature, or a
// chain shorter than the head.
#pragma once

#include <cstdint>
#include <string>

#include "service/service_crypto.h"
#include "service/store.h"

namespace shroud::service {

std::string audit_hash(const AuditRow& row);
std::string now_rfc3339();

// Appends `entry` (tenant, actor, action, item, detail set; the rest is filled in). Call with
// the store locked inside a transaction; write the head after the commit.
Result<AuditRow> audit_append(Store& store, const SigningKey& key, AuditRow entry);
Status write_audit_head(const std::string& path, const AuditRow& last, const SigningKey& key);

struct AuditVerdict {
  bool ok = true;
  std::int64_t entries = 0;
  std::int64_t first_bad = 0;   // seq (or position) of the first bad entry; 0 when ok
  std::string reason;
};
// Checks the whole chain with the public key `public_hex` and the head file (missing head:
// only a chain with no entries passes).
Result<AuditVerdict> audit_verify(Store& store, const std::string& public_hex, const std::string& head_path);

}  // namespace shroud::service
