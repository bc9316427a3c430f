// libjpeg coefficient reading/writing and scaled pixel decoding (jpeg_internal.h).
#include <jerror.h>

#include <cstdlib>
#include <cstring>

#include "jpeg/jpeg_internal.h"
#include "shroud/image_io.h"

namespace shroud::jpeg {
namespace {

[[noreturn]] void on_error_exit(j_common_ptr cinfo) {
  auto* em = reinterpret_cast<ErrorManager*>(cinfo->err);
  char buf[JMSG_LENGTH_MAX] = {};
  (*cinfo->err->format_message)(cinfo, buf);
  em->message = buf;
  std::longjmp(em->jump, 1);
}

// Warnings (corrupt data) are counted, never printed; the callers turn them into errors.
void on_output_message(j_common_ptr cinfo) {
  auto* em = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (em->message.empty()) {
    char buf[JMSG_LENGTH_MAX] = {};
    (*cinfo->err->format_message)(cinfo, buf);
    em->message = buf;
  }
}

}  // namespace

Error classify(const ErrorManager& em) {
  const int code = em.pub.msg_code;
  if (code == JERR_IMAGE_TOO_BIG) return make_error(ErrorCode::kResourceLimit, "JPEG: " + em.message);
  if (code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED || code == JERR_NOT_COMPILED ||
      code == JERR_ARITH_NOTIMPL || code == JERR_CONVERSION_NOTIMPL) {
    return make_error(ErrorCode::kUnsupported, "JPEG: " + em.message);
  }
  return make_error(ErrorCode::kCorrupt, "JPEG: " + em.message);
}

namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// The scan script and whether DHT segments appear between scans, from the marker stream.
}  // namespace

std::optional<std::pair<std::size_t, std::size_t>> single_scan_span(std::span<const std::uint8_t> f) {
  std::size_t pos = 2;
  std::optional<std::pair<std::size_t, std::size_t>> span;
  while (pos + 4 <= f.size()) {
    if (f[pos] != 0xFF) return std::nullopt;
    const std::uint8_t m = f[pos + 1];
    if (m == 0xFF) { ++pos; continue; }
    if (m == 0xD9) break;
    const std::size_t len = be16(&f[pos + 2]);
    if (len < 2 || pos + 2 + len > f.size()) return std::nullopt;
    pos += 2 + len;
    if (m == 0xDA) {
      if (span) return std::nullopt;  // a second scan
      const std::size_t start = pos;
      while (pos + 1 < f.size() && !(f[pos] == 0xFF && f[pos + 1] != 0 && (f[pos + 1] < 0xD0 || f[pos + 1] > 0xD7))) ++pos;
      span = std::pair{start, pos};
    }
  }
  return span;
}

Status parse_scans(std::span<const std::uint8_t> f, Coefficients& out) {
  std::size_t pos = 2;
  bool after_first_scan = false;
  while (pos + 4 <= f.size()) {
    if (f[pos] != 0xFF) return make_error(ErrorCode::kCorrupt, "JPEG: marker expected");
    const std::uint8_t m = f[pos + 1];
    if (m == 0xFF) { ++pos; continue; }
    if (m == 0xD9) break;  // EOI
    const std::size_t len = be16(&f[pos + 2]);
    if (len < 2 || pos + 2 + len > f.size()) return make_error(ErrorCode::kCorrupt, "JPEG: segment runs past the end");
    const std::uint8_t* s = &f[pos + 4];
    if (m == 0xC4 && after_first_scan) out.dht_before_each_scan = true;
    if (m == 0xDA) {
      const int ns = len >= 3 ? s[0] : 0;
      if (ns < 1 || ns > 4 || len != static_cast<std::size_t>(6 + 2 * ns)) return make_error(ErrorCode::kCorrupt, "JPEG: bad SOS");
      ScanInfo sc;
      sc.comps_in_scan = ns;
      for (int k = 0; k < ns; ++k) {
        const int id = s[1 + 2 * k];
        int index = -1;
        for (std::size_t ci = 0; ci < out.components.size(); ++ci) {
          if (out.components[ci].id == id) index = static_cast<int>(ci);
        }
        if (index < 0) return make_error(ErrorCode::kCorrupt, "JPEG: SOS names an unknown component");
        sc.component_index[static_cast<std::size_t>(k)] = index;
      }
      sc.Ss = s[1 + 2 * ns];
      sc.Se = s[2 + 2 * ns];
      // Huffman slots: libjpeg's writer keeps one DC and one AC slot per component, so take them
      // from the component's first DC scan and first AC scan.
      for (int k = 0; k < ns; ++k) {
        Component& comp = out.components[static_cast<std::size_t>(sc.component_index[static_cast<std::size_t>(k)])];
        const int td = s[2 + 2 * k] >> 4, ta = s[2 + 2 * k] & 15;
        if (sc.Ss == 0 && !comp.dc_seen) {
          comp.dc_tbl = td;
          comp.dc_seen = true;
        }
        if (sc.Se > 0 && !comp.ac_seen) {
          comp.ac_tbl = ta;
          comp.ac_seen = true;
        }
      }
      sc.Ah = s[3 + 2 * ns] >> 4;
      sc.Al = s[3 + 2 * ns] & 15;
      out.scans.push_back(sc);
      after_first_scan = true;
      // Skip the entropy-coded data: up to a marker that is not a stuffed 00 or a restart.
      pos += 2 + len;
      while (pos + 1 < f.size() && !(f[pos] == 0xFF && f[pos + 1] != 0 && (f[pos + 1] < 0xD0 || f[pos + 1] > 0xD7))) ++pos;
      continue;
    }
    pos += 2 + len;
  }
  if (out.scans.empty()) return make_error(ErrorCode::kCorrupt, "JPEG: no scan");
  return ok_status();
}

namespace {

bool read_into(jpeg_decompress_struct* d, ErrorManager* em, std::span<const std::uint8_t> file, Coefficients* out) {
  if (setjmp(em->jump)) return false;
  jpeg_mem_src(d, file.data(), static_cast<unsigned long>(file.size()));
  jpeg_save_markers(d, JPEG_COM, 0xFFFF);
  for (int m = 0; m < 16; ++m) jpeg_save_markers(d, JPEG_APP0 + m, 0xFFFF);
  jpeg_read_header(d, TRUE);
  // The same cap as image_io's ImageLimits, before libjpeg allocates the coefficient arrays.
  if (std::uint64_t{d->image_width} * d->image_height > static_cast<std::uint64_t>(ImageLimits{}.max_pixels)) {
    em->message = "image dimensions are over the pixel limit";
    em->pub.msg_code = JERR_IMAGE_TOO_BIG;
    return false;
  }
  out->info.width = static_cast<int>(d->image_width);
  out->info.height = static_cast<int>(d->image_height);
  out->info.components = d->num_components;
  out->info.progressive = d->progressive_mode != 0;
  out->color_space = d->jpeg_color_space;
  out->saw_jfif = d->saw_JFIF_marker != 0;
  out->jfif_major = d->JFIF_major_version;
  out->jfif_minor = d->JFIF_minor_version;
  out->density_unit = d->density_unit;
  out->x_density = d->X_density;
  out->y_density = d->Y_density;
  out->saw_adobe = d->saw_Adobe_marker != 0;
  out->adobe_transform = d->Adobe_transform;
  out->restart_interval = static_cast<int>(d->restart_interval);
  out->info.restart_interval = out->restart_interval;
  for (int i = 0; i < 4; ++i) {
    for (auto [src, dst] : {std::pair{d->dc_huff_tbl_ptrs[i], &out->dc_huff[static_cast<std::size_t>(i)]},
                            std::pair{d->ac_huff_tbl_ptrs[i], &out->ac_huff[static_cast<std::size_t>(i)]}}) {
      if (src == nullptr) continue;
      dst->present = true;
      std::memcpy(dst->bits.data(), src->bits, 17);
      std::memcpy(dst->huffval.data(), src->huffval, 256);
    }
  }
  if (d->arith_code) {
    em->message = "arithmetic coding is not supported by the coefficient path";
    em->pub.msg_code = JERR_ARITH_NOTIMPL;
    return false;
  }
  if (d->data_precision != 8) {
    em->message = "only 8-bit JPEGs are supported";
    em->pub.msg_code = JERR_BAD_PRECISION;
    return false;
  }
  if (!((d->num_components == 1 && d->jpeg_color_space == JCS_GRAYSCALE) ||
        (d->num_components == 3 && d->jpeg_color_space == JCS_YCbCr))) {
    em->message = "only grayscale and YCbCr JPEGs are supported by the coefficient path";
    em->pub.msg_code = JERR_CONVERSION_NOTIMPL;
    return false;
  }
  jvirt_barray_ptr* arrays = jpeg_read_coefficients(d);
  for (int ci = 0; ci < d->num_components; ++ci) {
    const jpeg_component_info& ci_info = d->comp_info[ci];
    if (ci_info.h_samp_factor > out->max_h) out->max_h = ci_info.h_samp_factor;
    if (ci_info.v_samp_factor > out->max_v) out->max_v = ci_info.v_samp_factor;
  }
  out->components.resize(static_cast<std::size_t>(d->num_components));
  for (int ci = 0; ci < d->num_components; ++ci) {
    const jpeg_component_info& info = d->comp_info[ci];
    Component& comp = out->components[static_cast<std::size_t>(ci)];
    comp.id = info.component_id;
    comp.h_samp = info.h_samp_factor;
    comp.v_samp = info.v_samp_factor;
    comp.quant_index = info.quant_tbl_no;
    comp.dc_tbl = info.dc_tbl_no;
    comp.ac_tbl = info.ac_tbl_no;
    comp.blocks_wide = static_cast<int>(info.width_in_blocks);
    comp.blocks_high = static_cast<int>(info.height_in_blocks);
    comp.array_wide = (comp.blocks_wide + comp.h_samp - 1) / comp.h_samp * comp.h_samp;
    comp.array_high = (comp.blocks_high + comp.v_samp - 1) / comp.v_samp * comp.v_samp;
    if (info.quant_table == nullptr) {
      em->message = "missing quantisation table";
      em->pub.msg_code = JERR_NO_QUANT_TABLE;
      return false;
    }
    for (int k = 0; k < 64; ++k) comp.quant[static_cast<std::size_t>(k)] = info.quant_table->quantval[k];
    comp.coef.reset(new std::int16_t[static_cast<std::size_t>(comp.array_wide) * comp.array_high * 64]);
    for (int by = 0; by < comp.array_high; ++by) {
      JBLOCKARRAY row = (*d->mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(d), arrays[ci],
                                                       static_cast<JDIMENSION>(by), 1, FALSE);
      std::memcpy(comp.block(0, by), row[0], static_cast<std::size_t>(comp.array_wide) * sizeof(JBLOCK));
    }
  }
  for (jpeg_saved_marker_ptr m = d->marker_list; m != nullptr; m = m->next) {
    out->markers.push_back({m->marker, std::vector<std::uint8_t>(m->data, m->data + m->data_length)});
  }
  jpeg_finish_decompress(d);
  return true;
}

struct HuffSlot {
  JHUFF_TBL** ptr;
  const Coefficients::Huff* table;
};

bool write_into(jpeg_compress_struct* cc, ErrorManager* em, const Coefficients* c, const std::vector<Marker>* markers,
                const WriteParams* params, const std::vector<jpeg_scan_info>* scans, unsigned char** buf,
                unsigned long* size) {
  if (setjmp(em->jump)) return false;
  jpeg_mem_dest(cc, buf, size);
  const int n = static_cast<int>(c->components.size());
  cc->image_width = static_cast<JDIMENSION>(c->info.width);
  cc->image_height = static_cast<JDIMENSION>(c->info.height);
  cc->input_components = n;
  cc->in_color_space = n == 1 ? JCS_GRAYSCALE : JCS_YCbCr;
  jpeg_set_defaults(cc);
  jpeg_set_colorspace(cc, n == 1 ? JCS_GRAYSCALE : JCS_YCbCr);
  for (int ci = 0; ci < n; ++ci) {
    const Component& comp = c->components[static_cast<std::size_t>(ci)];
    jpeg_component_info& info = cc->comp_info[ci];
    info.component_id = comp.id;
    info.h_samp_factor = comp.h_samp;
    info.v_samp_factor = comp.v_samp;
    info.quant_tbl_no = comp.quant_index;
    info.dc_tbl_no = comp.dc_tbl;
    info.ac_tbl_no = comp.ac_tbl;
    JQUANT_TBL*& q = cc->quant_tbl_ptrs[comp.quant_index];
    if (q == nullptr) q = jpeg_alloc_quant_table(reinterpret_cast<j_common_ptr>(cc));
    for (int k = 0; k < 64; ++k) q->quantval[k] = comp.quant[static_cast<std::size_t>(k)];
    q->sent_table = FALSE;
  }
  // Quantisation slots no component uses must not be written.
  for (int qi = 0; qi < NUM_QUANT_TBLS; ++qi) {
    bool used = false;
    for (const auto& comp : c->components) used = used || comp.quant_index == qi;
    if (!used) cc->quant_tbl_ptrs[qi] = nullptr;
  }
  cc->write_JFIF_header = params->write_jfif ? TRUE : FALSE;
  cc->JFIF_major_version = c->jfif_major;
  cc->JFIF_minor_version = c->jfif_minor;
  cc->density_unit = c->density_unit;
  cc->X_density = c->x_density;
  cc->Y_density = c->y_density;
  cc->write_Adobe_marker = params->write_adobe ? TRUE : FALSE;
  cc->restart_interval = static_cast<unsigned int>(c->restart_interval);
  cc->optimize_coding = params->optimize ? TRUE : FALSE;
  if (params->original_huffman) {
    for (int i = 0; i < 4; ++i) {
      for (HuffSlot slot : {HuffSlot{&cc->dc_huff_tbl_ptrs[i], &c->dc_huff[static_cast<std::size_t>(i)]},
                            HuffSlot{&cc->ac_huff_tbl_ptrs[i], &c->ac_huff[static_cast<std::size_t>(i)]}}) {
        if (!slot.table->present) continue;
        if (*slot.ptr == nullptr) *slot.ptr = jpeg_alloc_huff_table(reinterpret_cast<j_common_ptr>(cc));
        std::memcpy((*slot.ptr)->bits, slot.table->bits.data(), 17);
        std::memcpy((*slot.ptr)->huffval, slot.table->huffval.data(), 256);
        (*slot.ptr)->sent_table = FALSE;
      }
    }
  }
  if (params->keep_scan_script && !scans->empty()) {
    cc->scan_info = scans->data();
    cc->num_scans = static_cast<int>(scans->size());
  }
  jvirt_barray_ptr arrays[MAX_COMPONENTS] = {};
  for (int ci = 0; ci < n; ++ci) {
    const Component& comp = c->components[static_cast<std::size_t>(ci)];
    arrays[ci] = (*cc->mem->request_virt_barray)(reinterpret_cast<j_common_ptr>(cc), JPOOL_IMAGE, FALSE,
                                                 static_cast<JDIMENSION>(comp.array_wide),
                                                 static_cast<JDIMENSION>(comp.array_high),
                                                 static_cast<JDIMENSION>(comp.v_samp));
  }
  (*cc->mem->realize_virt_arrays)(reinterpret_cast<j_common_ptr>(cc));
  for (int ci = 0; ci < n; ++ci) {
    const Component& comp = c->components[static_cast<std::size_t>(ci)];
    for (int by = 0; by < comp.array_high; ++by) {
      JBLOCKARRAY row = (*cc->mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(cc), arrays[ci],
                                                        static_cast<JDIMENSION>(by), 1, TRUE);
      std::memcpy(row[0], comp.block(0, by), static_cast<std::size_t>(comp.array_wide) * sizeof(JBLOCK));
    }
  }
  jpeg_write_coefficients(cc, arrays);
  for (const Marker& m : *markers) {
    jpeg_write_marker(cc, m.code, m.data.data(), static_cast<unsigned int>(m.data.size()));
  }
  jpeg_finish_compress(cc);
  return true;
}

bool decode_into(jpeg_decompress_struct* d, ErrorManager* em, std::span<const std::uint8_t> file, int scale_num,
                 bool fancy, cv::Mat* out) {
  if (setjmp(em->jump)) return false;
  jpeg_mem_src(d, file.data(), static_cast<unsigned long>(file.size()));
  jpeg_read_header(d, TRUE);
  if (std::uint64_t{d->image_width} * d->image_height > static_cast<std::uint64_t>(ImageLimits{}.max_pixels)) {
    em->message = "image dimensions are over the pixel limit";
    em->pub.msg_code = JERR_IMAGE_TOO_BIG;
    return false;
  }
  d->scale_num = static_cast<unsigned int>(scale_num);
  d->scale_denom = 8;
  d->dct_method = JDCT_ISLOW;
  d->do_fancy_upsampling = fancy ? TRUE : FALSE;
  const bool gray = d->num_components == 1;
  d->out_color_space = gray ? JCS_GRAYSCALE : JCS_EXT_BGR;
  jpeg_start_decompress(d);
  *out = cv::Mat(static_cast<int>(d->output_height), static_cast<int>(d->output_width), gray ? CV_8UC1 : CV_8UC3);
  while (d->output_scanline < d->output_height) {
    JSAMPROW row = out->ptr(static_cast<int>(d->output_scanline));
    jpeg_read_scanlines(d, &row, 1);
  }
  jpeg_finish_decompress(d);
  return true;
}

}  // namespace

void install_error_manager(j_common_ptr cinfo, ErrorManager& em) {
  cinfo->err = jpeg_std_error(&em.pub);
  em.pub.error_exit = on_error_exit;
  em.pub.output_message = on_output_message;
}

Result<Coefficients> read_coefficients(std::span<const std::uint8_t> file) {
  if (file.size() < 4 || file[0] != 0xFF || file[1] != 0xD8) return make_error(ErrorCode::kCorrupt, "not a JPEG file");
  Coefficients out;
  ErrorManager em;
  jpeg_decompress_struct d{};
  install_error_manager(reinterpret_cast<j_common_ptr>(&d), em);
  jpeg_create_decompress(&d);
  const bool ok = read_into(&d, &em, file, &out);
  const long warnings = em.pub.num_warnings;
  jpeg_destroy_decompress(&d);
  if (!ok) return classify(em);
  if (warnings > 0) return make_error(ErrorCode::kCorrupt, "JPEG: damaged data (" + em.message + ")");
  SHROUD_RETURN_IF_ERROR(parse_scans(file, out));
  out.info.imcu_width = 8 * out.max_h;
  out.info.imcu_height = 8 * out.max_v;
  for (std::size_t i = 0; i < out.components.size(); ++i) {
    if (i > 0) out.info.sampling += ",";
    out.info.sampling += std::to_string(out.components[i].h_samp) + "x" + std::to_string(out.components[i].v_samp);
  }
  return out;
}

Result<std::vector<std::uint8_t>> write_coefficients(const Coefficients& c, const std::vector<Marker>& markers,
                                                     const WriteParams& params) {
  std::vector<jpeg_scan_info> scans;
  for (const ScanInfo& s : c.scans) {
    jpeg_scan_info si{};
    si.comps_in_scan = s.comps_in_scan;
    for (int k = 0; k < s.comps_in_scan; ++k) si.component_index[k] = s.component_index[static_cast<std::size_t>(k)];
    si.Ss = s.Ss;
    si.Se = s.Se;
    si.Ah = s.Ah;
    si.Al = s.Al;
    scans.push_back(si);
  }
  return compress_to_memory([&](jpeg_compress_struct* cc, ErrorManager* em, unsigned char** buf, unsigned long* size) {
    return write_into(cc, em, &c, &markers, &params, &scans, buf, size);
  });
}

Result<std::vector<std::uint8_t>> compress_to_memory(
    const std::function<bool(jpeg_compress_struct*, ErrorManager*, unsigned char**, unsigned long*)>& body) {
  ErrorManager em;
  jpeg_compress_struct cc{};
  install_error_manager(reinterpret_cast<j_common_ptr>(&cc), em);
  jpeg_create_compress(&cc);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const bool ok = body(&cc, &em, &buf, &size);
  jpeg_destroy_compress(&cc);
  std::vector<std::uint8_t> out;
  if (ok && buf != nullptr) out.assign(buf, buf + size);
  std::free(buf);
  if (!ok) return make_error(ErrorCode::kInternal, "JPEG encoder: " + em.message);
  return out;
}

Result<cv::Mat> decode_pixels(std::span<const std::uint8_t> file, int scale_num, bool fancy) {
  cv::Mat out;
  ErrorManager em;
  jpeg_decompress_struct d{};
  install_error_manager(reinterpret_cast<j_common_ptr>(&d), em);
  jpeg_create_decompress(&d);
  const bool ok = decode_into(&d, &em, file, scale_num, fancy, &out);
  const long warnings = em.pub.num_warnings;
  jpeg_destroy_decompress(&d);
  if (!ok) return classify(em);
  if (warnings > 0) return make_error(ErrorCode::kCorrupt, "JPEG: damaged data (" + em.message + ")");
  return out;
}

}  // namespace shroud::jpeg
