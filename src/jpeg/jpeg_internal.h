// Internal: libjpeg(-turbo) wrappers for the coefficient path (jpeg_coeff.h). libjpeg reports
// fatal errors through error_exit, which here longjmps back into the function that called it and
// becomes a Result error; warnings (corrupt data, premature end) are counted and turned into
// errors by the callers, so a damaged file never produces partial output.
#pragma once

#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <jpeglib.h>

#include <opencv2/core.hpp>

#include <array>
#include <csetjmp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shroud/jpeg_coeff.h"
#include "shroud/result.h"

namespace shroud::jpeg {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  std::string message;
};
void install_error_manager(j_common_ptr cinfo, ErrorManager& em);
// A fresh compressor writing to memory, handed to `body` (which calls setjmp on `em` itself and
// returns false after a libjpeg error); returns the bytes written, or the encoder's error.
Result<std::vector<std::uint8_t>> compress_to_memory(
    const std::function<bool(jpeg_compress_struct*, ErrorManager*, unsigned char**, unsigned long*)>& body);
// The Result error for a libjpeg failure: kResourceLimit (image too big), kUnsupported (precision,
// process or colour conversion not supported), kCorrupt otherwise; the message is libjpeg's.
Error classify(const ErrorManager& em);

// One saved APPn/COM marker in file order.
struct Marker {
  std::uint8_t code = 0;  // JPEG_APP0 + n or JPEG_COM
  std::vector<std::uint8_t> data;
};

// One component's quantised coefficients: blocks_high x blocks_wide blocks of 64 (natural order).
struct Component {
  int id = 0;
  int h_samp = 1, v_samp = 1;
  int quant_index = 0;
  int dc_tbl = 0, ac_tbl = 0;            // Huffman table slots
  bool dc_seen = false, ac_seen = false;  // (set while parsing the scans)
  int blocks_wide = 0, blocks_high = 0;   // width_in_blocks / height_in_blocks (no padding)
  int array_wide = 0, array_high = 0;     // allocated blocks (padded to whole iMCUs)
  std::array<std::uint16_t, 64> quant{};  // natural order
  // array_high * array_wide * 64 coefficients; not zero-initialised (every block is read in).
  std::unique_ptr<std::int16_t[]> coef;
  std::int16_t* block(int bx, int by) { return coef.get() + (static_cast<std::size_t>(by) * array_wide + bx) * 64; }
  const std::int16_t* block(int bx, int by) const {
    return coef.get() + (static_cast<std::size_t>(by) * array_wide + bx) * 64;
  }
};

struct ScanInfo {
  int comps_in_scan = 0;
  std::array<int, 4> component_index{};
  int Ss = 0, Se = 63, Ah = 0, Al = 0;
};

// Everything the coefficient path needs from one JPEG, held outside libjpeg.
struct Coefficients {
  JpegInfo info;
  int max_h = 1, max_v = 1;             // max sampling factors (iMCU = 8*max_h x 8*max_v pixels)
  J_COLOR_SPACE color_space = JCS_YCbCr;
  std::vector<Component> components;
  std::vector<Marker> markers;          // APPn and COM segments, file order
  std::vector<ScanInfo> scans;          // the file's scan script
  bool saw_jfif = false, saw_adobe = false;
  std::uint8_t jfif_major = 1, jfif_minor = 1, density_unit = 0;
  std::uint16_t x_density = 1, y_density = 1;
  std::uint8_t adobe_transform = 0;
  int restart_interval = 0;
  // Huffman tables as read (DHT before the first scan): bits[17] + huffval[256] per slot.
  struct Huff {
    bool present = false;
    std::array<std::uint8_t, 17> bits{};
    std::array<std::uint8_t, 256> huffval{};
  };
  std::array<Huff, 4> dc_huff, ac_huff;
  bool dht_before_each_scan = false;    // a DHT segment appears between scans (per-scan tables)
};

// Reads a JPEG's coefficients, markers and scan script. kUnsupported for arithmetic coding,
// lossless, 12-bit, CMYK/YCCK and other colour spaces; kCorrupt for damaged data (including
// libjpeg warnings such as a premature end of data).
Result<Coefficients> read_coefficients(std::span<const std::uint8_t> file);

// Single-scan files: [end of the SOS header, start of the marker after the entropy-coded data).
// nullopt when the file has not exactly one scan.
std::optional<std::pair<std::size_t, std::size_t>> single_scan_span(std::span<const std::uint8_t> file);

// Reads the scan script from the marker stream into c.scans (and c.dht_before_each_scan).
Status parse_scans(std::span<const std::uint8_t> file, Coefficients& c);

struct WriteParams {
  bool optimize = true;                 // compute optimal Huffman tables
  bool original_huffman = false;        // use the tables read from the file (needs !optimize)
  bool keep_scan_script = true;         // the file's scans (progressive stays progressive)
  bool write_jfif = true, write_adobe = false;
};
// Writes `c` as a JPEG (quantisation tables, sampling, colour space, restart interval as read)
// with the given markers after SOI/JFIF/Adobe and before the tables.
Result<std::vector<std::uint8_t>> write_coefficients(const Coefficients& c, const std::vector<Marker>& markers,
                                                     const WriteParams& params);

// What jpeg_read_header finds before the first scan: the frame size and the first Exif APP1
// segment's payload (from the TIFF header on, empty when there is none). libjpeg walks the markers;
// a warning on the way (bytes between markers, a premature end) is kCorrupt like an error.
struct Header {
  int width = 0, height = 0;
  std::vector<std::uint8_t> exif;
};
Result<Header> read_header(std::span<const std::uint8_t> file);

// Encodes 8-bit BGR or gray pixels as a baseline JPEG with libjpeg's defaults at `quality`
// (what cv::imencode(".jpg") writes, byte for byte), with `markers` written after the JFIF APP0
// segment through jpeg_write_marker.
Result<std::vector<std::uint8_t>> encode_pixels(const cv::Mat& image, int quality, const std::vector<Marker>& markers);

// Decodes pixels (BGR, or gray for one component) at scale num/8 (8: full size), ISLOW IDCT,
// libjpeg's fancy (triangle) chroma upsampling unless `fancy` is false.
Result<cv::Mat> decode_pixels(std::span<const std::uint8_t> file, int scale_num = 8, bool fancy = true);

// Pixels <-> coefficients for the blocks of the iMCUs covering `box` (pixel coordinates,
// already aligned to iMCUs and clipped to the image).
cv::Mat blocks_to_pixels(const Coefficients& c, const cv::Rect& box);
void pixels_to_blocks(Coefficients& c, const cv::Rect& box, const cv::Mat& bgr);

// Block range of component `ci` covering `box`: [x0, x1) x [y0, y1), clipped to real blocks.
cv::Rect block_range(const Coefficients& c, std::size_t ci, const cv::Rect& box);

}  // namespace shroud::jpeg
