#include "shroud/image_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "io/png_exif.h"
#include "jpeg/jpeg_internal.h"

namespace fs = std::filesystem;

namespace shroud {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

bool starts_with(const std::vector<std::uint8_t>& b, std::initializer_list<std::uint8_t> sig,
                 std::size_t offset = 0) {
  if (b.size() < offset + sig.size()) return false;
  return std::equal(sig.begin(), sig.end(), b.begin() + static_cast<std::ptrdiff_t>(offset));
}

std::uint32_t le16(const std::uint8_t* p) { return p[0] | (p[1] << 8); }
std::uint32_t le24(const std::uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16); }
std::uint32_t le32(const std::uint8_t* p) { return le24(p) | (std::uint32_t{p[3]} << 24); }

Result<cv::Size> checked_size(std::int64_t w, std::int64_t h, const char* format) {
  if (w <= 0 || h <= 0 || w > 0x7FFFFFFF || h > 0x7FFFFFFF) {
    return make_error(ErrorCode::kCorrupt, std::string(format) + " header has an invalid size");
  }
  return cv::Size(static_cast<int>(w), static_cast<int>(h));
}

std::atomic<std::int64_t> g_max_pixels{100'000'000};

// OpenCV reads OPENCV_IO_MAX_IMAGE_PIXELS once, at its first decode: set it before ours, to the
// larger of the default and this call's limit, unless the user's environment sets it.
void set_opencv_pixel_backstop(std::int64_t limit) {
  static std::once_flag once;
  std::call_once(once, [limit] {
    const std::string v = std::to_string(std::max(limit, g_max_pixels.load()));
    ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", v.c_str(), 0);
  });
}

}  // namespace

std::string sniff_format(const std::vector<std::uint8_t>& b) {
  if (starts_with(b, {0xFF, 0xD8, 0xFF})) return "jpeg";
  if (starts_with(b, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) return "png";
  if (starts_with(b, {'B', 'M'})) return "bmp";
  if (starts_with(b, {'I', 'I', 0x2A, 0x00}) || starts_with(b, {'M', 'M', 0x00, 0x2A})) return "tiff";
  if (starts_with(b, {'R', 'I', 'F', 'F'}) && starts_with(b, {'W', 'E', 'B', 'P'}, 8)) return "webp";
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return "pnm";
  return "";
}

std::int64_t default_max_pixels() { return g_max_pixels.load(); }
void set_default_max_pixels(std::int64_t pixels) { g_max_pixels.store(pixels > 0 ? pixels : 1); }

Result<cv::Size> probe_dimensions(const std::vector<std::uint8_t>& b) {
  const std::string fmt = sniff_format(b);
  if (fmt == "png") {
    if (b.size() < 24 || std::memcmp(&b[12], "IHDR", 4) != 0) {
      return make_error(ErrorCode::kCorrupt, "PNG header is truncated or malformed");
    }
    const std::uint32_t w = be32(&b[16]), h = be32(&b[20]);
    if (w == 0 || h == 0 || w > 0x7FFFFFFF || h > 0x7FFFFFFF) {
      return make_error(ErrorCode::kCorrupt, "PNG header has an invalid size");
    }
    return cv::Size(static_cast<int>(w), static_cast<int>(h));
  }
  if (fmt == "jpeg") {
    // libjpeg reads the markers up to the first scan (jpeg_read_header); nothing is decoded.
    SHROUD_ASSIGN_OR_RETURN(auto header, jpeg::read_header(b));
    return cv::Size(header.width, header.height);
  }
  if (fmt == "bmp") {
    // BITMAPFILEHEADER (14 bytes), then the info header: its size, then width and height
    // (16-bit in the OS/2 core header of size 12, 32-bit signed otherwise; negative height:
    // top-down rows).
    if (b.size() < 26) return make_error(ErrorCode::kCorrupt, "BMP header is truncated");
    const std::uint32_t hsize = le32(&b[14]);
    std::int64_t w, h;
    if (hsize == 12) {
      w = le16(&b[18]);
      h = le16(&b[20]);
    } else {
      w = static_cast<std::int32_t>(le32(&b[18]));
      h = static_cast<std::int32_t>(le32(&b[22]));
      if (h < 0) h = -h;
    }
    return checked_size(w, h, "BMP");
  }
  if (fmt == "webp") {
    if (b.size() < 30) return make_error(ErrorCode::kCorrupt, "WebP header is truncated");
    if (std::memcmp(&b[12], "VP8X", 4) == 0) {  // extended: the canvas size, 24-bit minus one
      return checked_size(std::int64_t{le24(&b[24])} + 1, std::int64_t{le24(&b[27])} + 1, "WebP");
    }
    if (std::memcmp(&b[12], "VP8L", 4) == 0) {  // lossless: signature 0x2f, 14-bit sizes minus one
      if (b[20] != 0x2F) return make_error(ErrorCode::kCorrupt, "WebP lossless header is malformed");
      const std::uint32_t bits = le32(&b[21]);
      return checked_size(std::int64_t{bits & 0x3FFF} + 1, std::int64_t{(bits >> 14) & 0x3FFF} + 1, "WebP");
    }
    if (std::memcmp(&b[12], "VP8 ", 4) == 0) {  // lossy: key frame start code, 14-bit sizes
      if (b[23] != 0x9D || b[24] != 0x01 || b[25] != 0x2A) {
        return make_error(ErrorCode::kCorrupt, "WebP lossy header is malformed");
      }
      return checked_size(le16(&b[26]) & 0x3FFF, le16(&b[28]) & 0x3FFF, "WebP");
    }
    return make_error(ErrorCode::kCorrupt, "WebP has no VP8/VP8L/VP8X chunk first");
  }
  if (fmt == "tiff") {
    // The first image file directory: ImageWidth (256) and ImageLength (257), SHORT or LONG.
    const bool le = b[0] == 'I';
    auto u16 = [&](std::size_t o) { return le ? le16(&b[o]) : be16(&b[o]); };
    auto u32 = [&](std::size_t o) { return le ? le32(&b[o]) : be32(&b[o]); };
    if (b.size() < 8) return make_error(ErrorCode::kCorrupt, "TIFF header is truncated");
    const std::size_t ifd = u32(4);
    if (ifd < 8 || ifd + 2 > b.size()) return make_error(ErrorCode::kCorrupt, "TIFF directory offset is invalid");
    const std::size_t n = u16(ifd);
    if (ifd + 2 + n * 12 > b.size()) return make_error(ErrorCode::kCorrupt, "TIFF directory is truncated");
    std::int64_t w = -1, h = -1;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t e = ifd + 2 + i * 12;
      const unsigned tag = u16(e), type = u16(e + 2);
      if (tag != 256 && tag != 257) continue;
      std::int64_t v;
      if (type == 3) v = u16(e + 8);
      else if (type == 4) v = u32(e + 8);
      else return make_error(ErrorCode::kCorrupt, "TIFF image size has an invalid type");
      (tag == 256 ? w : h) = v;
    }
    if (w < 0 || h < 0) return make_error(ErrorCode::kCorrupt, "TIFF has no image width or length");
    return checked_size(w, h, "TIFF");
  }
  if (fmt == "pnm") {
    // "P1".."P6", then width and height as decimal text, with whitespace and # comments between.
    std::size_t i = 2;
    std::int64_t v[2] = {0, 0};
    for (auto& value : v) {
      while (i < b.size() && (std::isspace(b[i]) || b[i] == '#')) {
        if (b[i] == '#') {
          while (i < b.size() && b[i] != '\n' && b[i] != '\r') ++i;
        } else {
          ++i;
        }
      }
      if (i >= b.size() || !std::isdigit(b[i])) return make_error(ErrorCode::kCorrupt, "PNM header is malformed");
      while (i < b.size() && std::isdigit(b[i])) {
        value = value * 10 + (b[i++] - '0');
        if (value > 0x7FFFFFFF) return make_error(ErrorCode::kCorrupt, "PNM header has an invalid size");
      }
    }
    return checked_size(v[0], v[1], "PNM");
  }
  return make_error(ErrorCode::kUnsupported, "cannot probe dimensions of this format");
}

Result<std::string> format_from_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".jpg" || ext == ".jpeg" || ext == ".jpe") return std::string("jpeg");
  if (ext == ".png") return std::string("png");
  if (ext == ".bmp") return std::string("bmp");
  if (ext == ".tif" || ext == ".tiff") return std::string("tiff");
  if (ext == ".webp") return std::string("webp");
  return make_error(ErrorCode::kUnsupported,
                    "cannot tell the output format from '" + path +
                        "': use .jpg, .png, .bmp, .tif or .webp");
}

Result<std::vector<std::uint8_t>> read_file(const std::string& path, std::int64_t max_bytes) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return make_error(ErrorCode::kNotFound, "'" + path + "': no such file");
  }
  if (fs::is_directory(status)) {
    return make_error(ErrorCode::kInvalidArgument, "'" + path + "' is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kPermission, "'" + path + "': cannot open for reading");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || !fs::is_regular_file(status)) {
    // A pipe or device: read in chunks up to the cap.
    in.clear();
    std::vector<std::uint8_t> bytes;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      bytes.insert(bytes.end(), buf, buf + in.gcount());
      if (static_cast<std::int64_t>(bytes.size()) > max_bytes) {
        return make_error(ErrorCode::kResourceLimit, "'" + path + "' is over the limit of " + std::to_string(max_bytes) + " bytes");
      }
    }
    return bytes;
  }
  if (size > max_bytes) {
    return make_error(ErrorCode::kResourceLimit,
                      "'" + path + "' is " + std::to_string(size) + " bytes, over the limit of " +
                          std::to_string(max_bytes));
  }
  in.seekg(0);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    return make_error(ErrorCode::kIo, "'" + path + "': read failed");
  }
  return bytes;
}

Result<LoadedImage> decode_image(const std::vector<std::uint8_t>& bytes, const ImageLimits& limits) {
  if (bytes.empty()) return make_error(ErrorCode::kCorrupt, "file is empty");
  LoadedImage out;
  out.format = sniff_format(bytes);
  if (out.format.empty()) {
    return make_error(ErrorCode::kCorrupt, "not an image (unrecognised file signature)");
  }
  {
    // Every format Shroud reads is probed from its header: nothing is decoded (or allocated for
    // decoding) before the size is known to be within the limit.
    cv::Size size;
    if (out.format == "jpeg") {  // one libjpeg header pass gives the size and the EXIF
      SHROUD_ASSIGN_OR_RETURN(auto header, jpeg::read_header(bytes));
      size = cv::Size(header.width, header.height);
      out.exif = std::move(header.exif);
    } else {
      SHROUD_ASSIGN_OR_RETURN(size, probe_dimensions(bytes));
    }
    const std::int64_t pixels = std::int64_t{size.width} * size.height;
    if (pixels > limits.max_pixels) {
      return make_error(ErrorCode::kResourceLimit,
                        "image is " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                            ", over the limit of " + std::to_string(limits.max_pixels) +
                            " pixels (--max-pixels raises it)");
    }
  }
  set_opencv_pixel_backstop(limits.max_pixels);
  if (out.format == "png") {
    SHROUD_ASSIGN_OR_RETURN(out.exif, detail::png_exif(bytes));
  }

  cv::Mat decoded;
  try {
    // IMREAD_UNCHANGED keeps depth and alpha but ignores EXIF orientation; we apply it below.
    decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("image decoding failed: ") + e.what());
  }
  if (decoded.empty()) {
    return make_error(ErrorCode::kCorrupt, "image could not be decoded (truncated or corrupt " +
                                               out.format + ")");
  }
  // libjpeg decodes truncated files by padding with grey and only warns: treat a JPEG without an
  // end-of-image marker as truncated.
  if (out.format == "jpeg") {
    std::size_t end = bytes.size();
    while (end > 2 && bytes[end - 1] == 0x00) --end;  // tolerate zero padding
    if (end < 2 || bytes[end - 2] != 0xFF || bytes[end - 1] != 0xD9) {
      return make_error(ErrorCode::kCorrupt, "JPEG is truncated (no end-of-image marker)");
    }
  }
  if (std::int64_t{decoded.cols} * decoded.rows > limits.max_pixels) {
    return make_error(ErrorCode::kResourceLimit, "image is over the limit of " + std::to_string(limits.max_pixels) +
                                                     " pixels (--max-pixels raises it)");
  }
  const int depth = decoded.depth();
  if (depth != CV_8U && depth != CV_16U) {
    return make_error(ErrorCode::kUnsupported,
                      "only 8- and 16-bit unsigned images are supported (this one has OpenCV depth " +
                          std::to_string(depth) + ")");
  }
  if (decoded.channels() == 2) {
    return make_error(ErrorCode::kUnsupported,
                      "grey+alpha images decode as 2 channels, which is not supported; convert to "
                      "RGBA first");
  }
  out.orientation = exif_orientation(out.exif);
  out.pixels = apply_orientation(decoded, out.orientation);
  return out;
}

Result<LoadedImage> read_image(const std::string& path, const ImageLimits& limits) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(path, limits.max_file_bytes));
  auto decoded = decode_image(bytes, limits);
  if (!decoded.ok()) {
    return make_error(decoded.error().code, "'" + path + "': " + decoded.error().message);
  }
  return decoded;
}

cv::Mat apply_orientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); return out;
    case 3: cv::rotate(image, out, cv::ROTATE_180); return out;
    case 4: cv::flip(image, out, 0); return out;
    case 5: cv::transpose(image, out); return out;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: cv::transpose(image, out); cv::flip(out, out, -1); return out;
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return image;
  }
}

Result<std::vector<std::uint8_t>> encode_image(const cv::Mat& image, const std::string& format,
                                               const EncodeOptions& options) {
  if (image.empty()) return make_error(ErrorCode::kInvalidArgument, "cannot encode an empty image");
  std::string ext;
  std::vector<int> params;
  if (format == "jpeg") {
    if (image.depth() != CV_8U) {
      return make_error(ErrorCode::kUnsupported,
                        "JPEG cannot store 16-bit pixels; write .png or .tif to keep the depth");
    }
    if (image.channels() == 4) {
      return make_error(ErrorCode::kUnsupported,
                        "JPEG cannot store an alpha channel; write .png to keep it");
    }
    ext = ".jpg";
    params = {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality};
  } else if (format == "png") {
    ext = ".png";
    params = {cv::IMWRITE_PNG_COMPRESSION, 3};
  } else if (format == "bmp" || format == "tiff" || format == "webp") {
    if (format != "tiff" && image.depth() != CV_8U) {
      return make_error(ErrorCode::kUnsupported, format + " cannot store 16-bit pixels");
    }
    ext = format == "tiff" ? ".tif" : "." + format;
    if (format == "webp") params = {cv::IMWRITE_WEBP_QUALITY, 101};  // lossless
  } else {
    return make_error(ErrorCode::kUnsupported, "cannot write format '" + format + "'");
  }
  if (format == "jpeg" && !options.exif.empty()) {
    // libjpeg writes the Exif APP1 segment after its JFIF APP0 (jpeg_write_marker).
    const auto exif = exif_with_orientation_reset(options.exif, options.keep_exif);
    std::vector<jpeg::Marker> markers;
    if (!exif.empty() && exif.size() + 6 <= 65533) {
      jpeg::Marker app1{JPEG_APP0 + 1, {'E', 'x', 'i', 'f', 0, 0}};
      app1.data.insert(app1.data.end(), exif.begin(), exif.end());
      markers.push_back(std::move(app1));
    }
    return jpeg::encode_pixels(image, options.jpeg_quality, markers);
  }
  std::vector<std::uint8_t> out;
  try {
    if (!cv::imencode(ext, image, out, params)) {
      return make_error(ErrorCode::kInternal, "encoding to " + format + " failed");
    }
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("encoding failed: ") + e.what());
  }
  return out;
}

}  // namespace shroud
