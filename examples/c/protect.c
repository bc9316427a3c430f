/* Shroud from C: detect and blur faces in a pixel buffer in place, then seal and recover them
 * exactly, in memory. Built against an installed Shroud with pkg-config:
 *
 *   cc -std=c99 -Wall -Wextra protect.c $(pkg-config --cflags --libs shroud) -o protect
 *   ./protect photo.ppm keys.json [other-keys.json]
 *
 * photo.ppm: a binary PPM (P6, 8-bit RGB), e.g. `convert photo.jpg photo.ppm`.
 * keys.json: a keyset (`shroud keygen keys.json`). other-keys.json: a different keyset, to check
 * that recovery with the wrong key is refused. Exits 0 when every check passes.
 */
#include <shroud/shroud.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                               \
  do {                                                 \
    if (!(cond)) {                                     \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                    \
      fprintf(stderr, "\n");                           \
      failures++;                                      \
    }                                                  \
  } while (0)

/* Reads a P6 PPM with maxval 255 into a buffer whose rows are `pad` bytes longer than needed. */
static uint8_t* read_ppm(const char* path, int32_t* w, int32_t* h, int64_t* stride, int64_t pad) {
  FILE* f = fopen(path, "rb");
  int maxval = 0;
  if (f == NULL) return NULL;
  if (fscanf(f, "P6 %d %d %d", w, h, &maxval) != 3 || maxval != 255 || *w <= 0 || *h <= 0 || fgetc(f) == EOF) {
    fclose(f);
    return NULL;
  }
  *stride = (int64_t)*w * 3 + pad;
  uint8_t* data = malloc((size_t)(*stride * *h));
  if (data == NULL) {
    fclose(f);
    return NULL;
  }
  memset(data, 0xA5, (size_t)(*stride * *h)); /* padding pattern, must survive */
  for (int32_t y = 0; y < *h; ++y) {
    if (fread(data + y * *stride, 1, (size_t)*w * 3, f) != (size_t)*w * 3) {
      free(data);
      fclose(f);
      return NULL;
    }
  }
  fclose(f);
  return data;
}

static shroud_engine* make_engine(const char* json) {
  shroud_engine* engine = NULL;
  char* err = NULL;
  shroud_status s = shroud_engine_create(json, &engine, &err);
  if (s != SHROUD_OK) {
    fprintf(stderr, "shroud_engine_create(%s): %s: %s\n", json, shroud_status_name(s), err ? err : "");
    shroud_free(err);
    return NULL;
  }
  return engine;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s photo.ppm keys.json [other-keys.json]\n", argv[0]);
    return 2;
  }
  printf("shroud %s\n", shroud_version());
  shroud_image img;
  const int64_t pad = 13;
  img.data = read_ppm(argv[1], &img.width, &img.height, &img.stride, pad);
  img.format = SHROUD_FORMAT_RGB;
  if (img.data == NULL) {
    fprintf(stderr, "cannot read %s (binary PPM, maxval 255)\n", argv[1]);
    return 2;
  }
  const size_t bytes = (size_t)(img.stride * img.height);
  uint8_t* original = malloc(bytes);
  if (original == NULL) return 2;
  memcpy(original, img.data, bytes);

  /* 1. Detect, then blur faces in place. */
  shroud_engine* blur = make_engine("{\"method\": \"blur\", \"kinds\": [\"face\"]}");
  if (blur == NULL) return 1;
  shroud_region* found = NULL;
  size_t nfound = 0;
  shroud_status s = shroud_detect(blur, &img, &found, &nfound);
  CHECK(s == SHROUD_OK, "detect: %s", shroud_engine_last_error(blur));
  size_t faces = 0;
  for (size_t i = 0; i < nfound; ++i) {
    printf("found %s at %d,%d %dx%d score %.2f\n", shroud_kind_name(found[i].kind), found[i].x, found[i].y,
           found[i].width, found[i].height, found[i].score);
    if (found[i].kind == SHROUD_KIND_FACE) faces++;
  }
  CHECK(faces >= 1, "expected at least one face, found %zu", faces);
  shroud_regions_free(found);

  shroud_region* done = NULL;
  size_t ndone = 0;
  s = shroud_protect_image(blur, &img, &done, &ndone, NULL, NULL);
  CHECK(s == SHROUD_OK, "protect: %s", shroud_engine_last_error(blur));
  CHECK(ndone >= 1, "nothing protected");
  size_t changed_inside = 0, changed_outside = 0, padding_changed = 0;
  for (int32_t y = 0; y < img.height; ++y) {
    for (int32_t x = 0; x < img.width; ++x) {
      int inside = 0;
      for (size_t i = 0; i < ndone; ++i) {
        inside |= x >= done[i].x && x < done[i].x + done[i].width && y >= done[i].y && y < done[i].y + done[i].height;
      }
      const size_t at = (size_t)(y * img.stride + (int64_t)x * 3);
      const int differs = memcmp(img.data + at, original + at, 3) != 0;
      if (differs && inside) changed_inside++;
      if (differs && !inside) changed_outside++;
    }
    for (int64_t p = (int64_t)img.width * 3; p < img.stride; ++p) padding_changed += img.data[y * img.stride + p] != 0xA5;
  }
  printf("blur: %zu region(s), %zu pixels changed inside, %zu outside\n", ndone, changed_inside, changed_outside);
  CHECK(changed_inside > 100, "too few pixels changed: %zu", changed_inside);
  CHECK(changed_outside == 0, "%zu pixels changed outside the regions", changed_outside);
  CHECK(padding_changed == 0, "row padding was written");
  shroud_regions_free(done);
  shroud_engine_destroy(blur);

  /* 2. Seal in place, recover in place: bit-exact. */
  memcpy(img.data, original, bytes);
  char json[4096];
  snprintf(json, sizeof json, "{\"method\": \"seal\", \"kinds\": [\"face\"], \"keyset\": \"%s\"}", argv[2]);
  shroud_engine* seal = make_engine(json);
  if (seal == NULL) return 1;
  uint8_t* container = NULL;
  size_t container_n = 0;
  s = shroud_protect_image(seal, &img, NULL, NULL, &container, &container_n);
  CHECK(s == SHROUD_OK, "seal: %s", shroud_engine_last_error(seal));
  CHECK(container != NULL && container_n > 0, "no container");
  CHECK(memcmp(img.data, original, bytes) != 0, "sealing changed nothing");
  s = shroud_recover_image(seal, &img, container, container_n);
  CHECK(s == SHROUD_OK, "recover: %s", shroud_engine_last_error(seal));
  CHECK(memcmp(img.data, original, bytes) == 0, "recovered buffer differs from the original");
  printf("seal: container %zu bytes, buffer recovered bit-exactly\n", container_n);

  /* 3. The wrong key is refused and leaves the buffer alone. */
  if (argc > 3) {
    shroud_free(container);
    s = shroud_protect_image(seal, &img, NULL, NULL, &container, &container_n); /* fresh seal */
    CHECK(s == SHROUD_OK, "seal again: %s", shroud_engine_last_error(seal));
    snprintf(json, sizeof json, "{\"detector\": \"cascade:haarcascade_frontalface_alt2.xml\", \"keyset\": \"%s\"}", argv[3]);
    shroud_engine* other = make_engine(json);
    if (other != NULL) {
      uint8_t* before = malloc(bytes);
      if (before == NULL) return 2;
      memcpy(before, img.data, bytes);
      s = shroud_recover_image(other, &img, container, container_n);
      CHECK(s != SHROUD_OK, "recovery with the wrong key succeeded");
      printf("wrong key: %s: %s\n", shroud_status_name(s), shroud_engine_last_error(other));
      CHECK(memcmp(before, img.data, bytes) == 0, "failed recovery modified the buffer");
      free(before);
      shroud_engine_destroy(other);
    }
  }
  shroud_free(container);
  shroud_engine_destroy(seal);
  free(original);
  free(img.data);
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all C API checks passed\n");
  return 0;
}
