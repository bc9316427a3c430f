// Tests: the record layout of a recovery track file, to damage chosen records.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "shroud/recovery_track.h"

namespace shroud::testing {

// Byte ranges (offset, size) of a recovery track's records, the end record last (symmetric
// mode; v1: 3-channel 8-bit frames; v2 and v3 share a layout).
inline std::vector<std::pair<std::size_t, std::size_t>> track_records(const std::string& t) {
  const bool v2 = t.size() > 8 && (t[8] == 2 || t[8] == 3);  // v2 and v3 share the layout
  const std::size_t head = v2 ? kTrackRecordHeaderBytesV2 : kTrackRecordHeaderBytes;
  auto u32 = [&](std::size_t o) {
    return (std::uint32_t(std::uint8_t(t[o])) << 24) | (std::uint32_t(std::uint8_t(t[o + 1])) << 16) |
           (std::uint32_t(std::uint8_t(t[o + 2])) << 8) | std::uint32_t(std::uint8_t(t[o + 3]));
  };
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t off = kTrackHeaderFixedBytes + 32;
  while (off < t.size()) {
    if (t[off] == 2) {
      out.emplace_back(off, kTrackEndRecordBytes);
      break;
    }
    const std::uint32_t n = u32(off + 12);
    std::size_t size = head + n * kTrackRegionBytes;
    if (v2) {
      size += u32(off + 40);  // body length
    } else {
      size += 16;
      for (std::uint32_t i = 0; i < n; ++i) {
        const std::size_t r = off + kTrackRecordHeaderBytes + i * kTrackRegionBytes;
        size += std::size_t{u32(r + 8)} * u32(r + 12) * 3;
      }
    }
    out.emplace_back(off, size);
    off += size;
  }
  return out;
}

}  // namespace shroud::testing
