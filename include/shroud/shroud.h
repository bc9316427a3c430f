/* Shroud C API (C99): detect and protect sensitive regions in images from C, Go, Rust, Python
 * ctypes or anything else that can call C. Complete example and details: docs/c-api.md.
 *
 * Principles (they hold for every function below):
 *  - Errors: every call returns a shroud_status (SHROUD_OK = 0). On failure the engine keeps a
 *    message for the calling thread, read with shroud_engine_last_error(engine); creation, which
 *    has no engine yet, returns its message through `char** err`. Outputs are only written on
 *    success (on failure they are set to NULL / 0), and nothing is half done: a failed protect
 *    or recover leaves the caller's buffer as it was (see shroud_protect_image).
 *  - No C++ exception ever crosses this API (every entry point catches everything).
 *  - No global state except the constant strings of shroud_version() and shroud_status_name().
 *  - Ownership: memory returned through `uint8_t**`, `char**` and `shroud_region**` is allocated
 *    by Shroud and belongs to the caller, who frees it with shroud_free() (shroud_regions_free()
 *    for regions; both accept NULL). Inputs are only borrowed for the duration of the call.
 *    Strings returned as `const char*` belong to Shroud (see each function).
 *  - Threading: an engine is configured once and then only read. detect, protect and recover
 *    calls MAY run concurrently on one engine from several threads (each call takes its own
 *    detector instance from a pool inside the engine; a second concurrent call creates a second
 *    detector). shroud_engine_destroy() must not run concurrently with any other call on the
 *    same engine. Two calls must not use the same pixel buffer concurrently.
 *  - Pixels: 8-bit, interleaved, rows `stride` bytes apart (any stride >= width * channels;
 *    padding bytes are never read or written). The buffer must hold stride * height bytes.
 */
#ifndef SHROUD_SHROUD_H_
#define SHROUD_SHROUD_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes --------------------------------------------------------------------- */
typedef int shroud_status;
enum {
  SHROUD_OK = 0,
  SHROUD_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, bad size/stride/format, bad option */
  SHROUD_ERR_NOT_FOUND = 2,        /* missing file, model, key id */
  SHROUD_ERR_UNSUPPORTED = 3,      /* format or method this call cannot handle */
  SHROUD_ERR_CORRUPT = 4,          /* malformed image or container */
  SHROUD_ERR_AUTHENTICATION = 5,   /* wrong key or tampered data: nothing restored */
  SHROUD_ERR_PERMISSION = 6,       /* unreadable file, keyset readable by others */
  SHROUD_ERR_IO = 7,
  SHROUD_ERR_RESOURCE_LIMIT = 8,   /* input over a size limit (pixels, bytes) */
  SHROUD_ERR_INTERNAL = 9,
  SHROUD_ERR_NO_MEMORY = 10
};

/* "1.2.3": the library version. Constant string, never freed. */
const char* shroud_version(void);
/* "ok", "invalid-argument", ...: a constant name for a status code (never NULL). */
const char* shroud_status_name(shroud_status status);

/* ---- pixel buffers ------------------------------------------------------------------------ */
typedef enum shroud_pixel_format {
  SHROUD_FORMAT_GRAY = 1, /* 1 byte per pixel */
  SHROUD_FORMAT_BGR = 2,  /* 3 bytes: B, G, R (OpenCV's order) */
  SHROUD_FORMAT_RGB = 3,  /* 3 bytes: R, G, B */
  SHROUD_FORMAT_BGRA = 4, /* 4 bytes; alpha is never changed */
  SHROUD_FORMAT_RGBA = 5  /* 4 bytes; alpha is never changed */
} shroud_pixel_format;

/* A borrowed pixel buffer. `format` is a shroud_pixel_format. */
typedef struct shroud_image {
  uint8_t* data;
  int32_t width;
  int32_t height;
  int64_t stride; /* bytes from one row to the next, >= width * channels */
  int32_t format;
} shroud_image;

/* ---- regions ------------------------------------------------------------------------------ */
typedef enum shroud_kind {
  SHROUD_KIND_FACE = 0,
  SHROUD_KIND_EYES = 1,
  SHROUD_KIND_PLATE = 2,
  SHROUD_KIND_PERSON = 3,
  SHROUD_KIND_VEHICLE = 4,
  SHROUD_KIND_TEXT = 5,
  SHROUD_KIND_CUSTOM = 6
} shroud_kind;

/* "face", "eyes", "plate", ...; "unknown" for other values. Constant string. */
const char* shroud_kind_name(int32_t kind);

typedef struct shroud_region {
  int32_t kind;   /* shroud_kind */
  int32_t x, y, width, height; /* pixels, origin top left */
  float score;    /* detector confidence in [0, 1] */
  int32_t track_id; /* -1 for still images */
  uint32_t index; /* protect: container region index when sealed, else position in the list */
} shroud_region;

/* ---- engine ------------------------------------------------------------------------------- */
typedef struct shroud_engine shroud_engine;

/* Creates an engine from a JSON object of options (NULL or "" or "{}": all defaults). Keys
 * (unknown keys are an error; docs/c-api.md has the full table):
 *   "detector"    detector spec, e.g. "yunet", "cascade", "yunet,cascade:haarcascade_russian_plate_number.xml"
 *                 (default: YuNet faces when the model is found, else a Haar cascade; plates)
 *   "models"      model folder searched first; "threshold" (0..1); "detect_size" (pixels)
 *   "policy"      a policy object (docs/policy.md) or the path of a policy JSON file
 *   "method"      blur | pixelate | fill | dp-pixelate | dp-plate | generate | seal (overrides the policy)
 *   "kinds"       ["face", "plate", ...] (overrides the policy)
 *   "keyset"      keyset file (mode 0600): seals with its primary key, and recovers
 *   "recipient"   recipient public key file: seals only (a camera can never recover)
 *   "placeholder" fill | blur | pixelate | noise (what sealed regions show; default fill)
 *   "binding"     pixels (default) | detached   (docs/container-format.md)
 *   "format"      output of shroud_protect_encoded: "same" (default: PNG stays PNG, JPEG stays
 *                 JPEG, others become PNG), "png", "jpeg", "bmp", "tiff", "webp"
 *   "jpeg_quality" 1..100 (default 95); "max_pixels" (default 100000000)
 * Loads the detector (so a missing model fails here) and the keys. On success *out is the
 * engine (destroy it with shroud_engine_destroy). On failure *out is NULL and, when `err` is not
 * NULL, *err is a message to free with shroud_free(). */
shroud_status shroud_engine_create(const char* options_json, shroud_engine** out, char** err);

/* Destroys an engine (NULL is allowed). */
void shroud_engine_destroy(shroud_engine* engine);

/* The message of the last failed call made on `engine` by the calling thread ("" when none).
 * Owned by the engine; valid until the next call on this engine from the same thread. */
const char* shroud_engine_last_error(const shroud_engine* engine);

/* Detects regions in `img` (not modified). *regions is an array of *count regions (NULL when
 * none), free it with shroud_regions_free(). RGB/RGBA buffers are converted into a temporary
 * BGR copy for the detector; GRAY/BGR/BGRA buffers are read in place. */
shroud_status shroud_detect(shroud_engine* engine, const shroud_image* img, shroud_region** regions,
                            size_t* count);

/* Detects, plans and protects `img` IN PLACE, in the caller's buffer, without copying the frame.
 * regions/count (both NULL, or both set) receive the rectangles that were altered.
 * When the policy seals (method "seal"), `container` and `container_n` are required and receive
 * the shroud-v1 container (free with shroud_free) that shroud_recover_image() needs; they are
 * set to NULL/0 when nothing was sealed. Without sealing they may be NULL.
 * RGB/RGBA buffers: the buffer is swapped to BGR in place for the duration of the call and
 * swapped back before it returns (also on failure), so it is exact and allocates no frame; a
 * concurrent reader of the buffer would see BGR meanwhile.
 * On failure the buffer is as it was, except after running out of memory (blur, pixelate and
 * fill cannot fail otherwise; for methods that can, the rectangles about to change are saved
 * first and put back, never the whole frame). */
shroud_status shroud_protect_image(shroud_engine* engine, const shroud_image* img, shroud_region** regions,
                                   size_t* count, uint8_t** container, size_t* container_n);

/* Restores, in place, the sealed regions of `img` (a buffer as shroud_protect_image left it, in
 * the same format) from `container`. Needs the engine's "keyset". Everything is verified
 * (manifest, carrier pixels, every region tag) before any pixel is written: on failure (e.g.
 * SHROUD_ERR_AUTHENTICATION for a wrong key or tampering) the buffer is unchanged. */
shroud_status shroud_recover_image(shroud_engine* engine, const shroud_image* img, const uint8_t* container,
                                   size_t container_n);

/* Protects an encoded image in memory (PNG, JPEG, BMP, TIFF, WebP, ...; EXIF orientation applied,
 * metadata dropped). *out receives the protected image file (format: option "format").
 * Sealing: when `container` is NULL the container is embedded in *out (PNG chunk or JPEG APP11;
 * other output formats need `container`); when `container` is not NULL the container is returned
 * there instead (a sidecar) and *out holds none. Both outputs are freed with shroud_free(). */
shroud_status shroud_protect_encoded(shroud_engine* engine, const uint8_t* in, size_t n, uint8_t** out,
                                     size_t* out_n, uint8_t** container, size_t* container_n);

/* Recovers a sealed image file in memory: its embedded container, or `container` when not NULL
 * (a sidecar; a file that also embeds one is refused). Needs the engine's "keyset". *out is a
 * PNG (bit-exact originals) to free with shroud_free(). Nothing is returned unless everything
 * verifies. */
shroud_status shroud_recover_encoded(shroud_engine* engine, const uint8_t* in, size_t n, const uint8_t* container,
                                     size_t container_n, uint8_t** out, size_t* out_n);

/* Frees memory returned by Shroud (NULL is allowed). */
void shroud_free(void* p);
/* Frees a region array returned by shroud_detect / shroud_protect_image (NULL is allowed). */
void shroud_regions_free(shroud_region* regions);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SHROUD_SHROUD_H_ */
