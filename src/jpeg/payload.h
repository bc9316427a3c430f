// Internal: the sealed plaintext of one region in the JPEG coefficient path
// (docs/container-format.md, section 9). zlib(raw), raw =
//   "SJCB" | version u8 = 1 | components u8 | per component: x0 y0 w h (u32 BE, blocks)
//   | coefficients: int16 LE, component by component, block rows top to bottom, 64 per block
//   | file record flag u8 (0/1) | [file record]
// file record = mode u8 (0 none, 1 original Huffman tables, 2 optimised tables, 3 spliced: the
//   original's bytes before and after its single scan's entropy-coded data around libjpeg's
//   entropy-coded data with the original tables)
//   | byte_identical u8 | marker count u16 | per marker: code u8, length u32, bytes
//   | 8 Huffman slots (DC 0-3, AC 0-3): present u8 [bits 17 | huffval 256]
//   | head length u32 | head | tail length u32 | tail      (both empty unless mode 3)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "jpeg/jpeg_internal.h"

namespace shroud::jpeg {

struct FileRecord {
  std::uint8_t mode = 2;
  bool byte_identical = false;
  std::vector<Marker> markers;
  std::array<Coefficients::Huff, 4> dc_huff, ac_huff;
  std::vector<std::uint8_t> head, tail;   // mode 3
};

std::vector<std::uint8_t> encode_payload(const Coefficients& c, const cv::Rect& box, const FileRecord* record);
// Decodes and checks a payload against `c`'s geometry for `box`; writes the blocks into `c`.
Status apply_payload(std::span<const std::uint8_t> payload, Coefficients& c, const cv::Rect& box,
                     std::optional<FileRecord>* record);

}  // namespace shroud::jpeg
