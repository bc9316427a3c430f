// The OpenAPI document served at /v1/openapi.json. Kept identical to docs/openapi.json
// (tests/service_api_test.cc compares them); edit both together.
#include "service/server.h"

namespace shroud::service {

const char* openapi_json() {
  return R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "Shroud service",
    "version": "1",
    "description": "Detect, protect (blur, pixelate, fill, seal, ...), store and recover images over HTTP. With --rate-limit, any authenticated route may answer 429 (code rate_limited) with Retry-After; when the request queue is full (--threads busy, --queue waiting), any route answers 503 (code overloaded) with Retry-After and Connection: close. Images travel as binary bodies. Every route but /v1/health and /v1/openapi.json needs a bearer token with the route's scope; other tenants' items answer 404. See docs/service.md."
  },
  "servers": [{"url": "http://127.0.0.1:8080"}],
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
          "code": {"type": "string", "enum": ["bad_request", "unauthenticated", "forbidden", "not_found", "too_large", "unsupported", "corrupt_input", "authentication_failed", "method_not_allowed", "rate_limited", "zero_knowledge", "conflict", "overloaded", "internal"]},
          "message": {"type": "string"}}}}
      },
      "Job": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["video"]}, "state": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]}, "frames_done": {"type": "integer"}, "frames_total": {"type": "integer", "description": "0 while unknown"}, "item": {"type": "string", "description": "done: the protected video's item"}, "frames_item": {"type": "string"}, "error": {"type": "string"}, "options": {"type": "object"}, "created": {"type": "integer"}, "started": {"type": "integer"}, "finished": {"type": "integer"}, "tenant": {"type": "string"}, "follow": {"type": "array", "description": "re-render: one entry per region marked follow: how far it was followed by appearance and why it stopped", "items": {"type": "object", "properties": {"seed_frame": {"type": "integer"}, "track": {"type": "integer"}, "last_frame": {"type": "integer"}, "end": {"type": "string", "enum": ["lost", "listed", "end"]}, "lost_frame": {"type": "integer", "nullable": true}, "min_confidence": {"type": "number"}}}}}
      },
      "StudioEdit": {
        "type": "object",
        "required": ["regions"],
        "properties": {"regions": {"type": "array", "maxItems": 1000, "items": {"type": "object", "required": ["kind", "box", "method"], "properties": {"kind": {"type": "string"}, "box": {"type": "array", "items": {"type": "integer"}, "minItems": 4, "maxItems": 4}, "method": {"type": "string", "enum": ["blur", "pixelate", "fill", "seal"]}, "score": {"type": "number"}, "detector": {"type": "string"}}}}, "format": {"type": "string"}, "placeholder": {"type": "string", "enum": ["blur", "fill", "pixelate", "noise"]}, "edits": {"type": "object", "description": "counts shown in the audit entry: detected, added, removed, moved, method_changed"}}
      },
      "Region": {
        "type": "object",
        "properties": {"kind": {"type": "string"}, "box": {"type": "array", "items": {"type": "integer"}, "minItems": 4, "maxItems": 4, "description": "x, y, width, height"}, "score": {"type": "number"}, "detector": {"type": "string"}, "landmarks": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}}
      },
      "TokenRequest": {
        "type": "object",
        "required": ["tenant", "scopes"],
        "additionalProperties": false,
        "properties": {
          "tenant": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
          "scopes": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["detect", "protect", "recover", "review", "admin"]}},
          "ttl_seconds": {"type": "integer", "minimum": 1, "maximum": 315360000}
        }
      },
      "Keys": {
        "type": "object",
        "description": "A tenant's keys as the service holds them; never key material",
        "properties": {
          "tenant": {"type": "string"},
          "mode": {"type": "string", "enum": ["custody", "zero-knowledge"]},
          "version": {"type": "integer", "description": "grows by one on every change"},
          "keys": {"type": "array", "description": "custody only", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "algorithm": {"type": "string"}, "status": {"type": "string", "enum": ["enabled", "disabled"]},
            "created": {"type": "string"}, "primary": {"type": "boolean"}}}},
          "recipient": {"type": "object", "description": "zero-knowledge only", "properties": {"id": {"type": "integer"}, "created": {"type": "string"}}}
        }
      },
      "TokenCreated": {
        "type": "object",
        "properties": {"token": {"type": "string", "description": "shown once; only its hash is stored"}, "id": {"type": "string"}, "tenant": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}}, "expires": {"type": "integer", "description": "unix seconds, 0 = never"}}
      }
    },
    "responses": {
      "Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "parameters": {
      "format": {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["png", "jpeg", "jpg", "webp", "bmp", "tiff"]}, "description": "output format (protect: default the input's; recover: default png)"}
    }
  },
  "paths": {
    "/v1/health": {
      "get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"type": "string"}, "version": {"type": "string"}}}}}}}}
    },
    "/v1/openapi.json": {
      "get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3 document"}}}
    },
    "/metrics": {
      "get": {"summary": "Prometheus metrics (scope admin)", "security": [{"bearer": []}], "responses": {"200": {"description": "text exposition format 0.0.4", "content": {"text/plain": {}}}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/v1/detect": {
      "post": {
        "summary": "Regions in an image (scope detect)",
        "security": [{"bearer": []}],
        "requestBody": {"required": true, "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}, "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {
          "200": {"description": "regions", "content": {"application/json": {"schema": {"type": "object", "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}, "regions": {"type": "array", "items": {"$ref": "#/components/schemas/Region"}}}}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/protect": {
      "post": {
        "summary": "Protect an image (scope protect); method=seal seals with the tenant's keyset and stores the item",
        "security": [{"bearer": []}],
        "parameters": [
          {"name": "method", "in": "query", "schema": {"type": "string", "default": "blur"}, "description": "blur, pixelate, fill, seal, sisa, dp-pixelate, dp-plate, ..."},
          {"name": "kinds", "in": "query", "schema": {"type": "string"}, "description": "comma-separated kinds (face,plate,...)"},
          {"name": "placeholder", "in": "query", "schema": {"type": "string", "enum": ["fill", "blur", "pixelate", "noise"]}},
          {"$ref": "#/components/parameters/format"},
          {"name": "quality", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
          {"name": "cells", "in": "query", "schema": {"type": "integer"}},
          {"name": "strength", "in": "query", "schema": {"type": "number"}},
          {"name": "shape", "in": "query", "schema": {"type": "string", "enum": ["rectangle", "ellipse"]}},
          {"name": "mask_scale", "in": "query", "schema": {"type": "number"}},
          {"name": "feather", "in": "query", "schema": {"type": "number"}},
          {"name": "epsilon", "in": "query", "schema": {"type": "number"}},
          {"name": "store", "in": "query", "schema": {"type": "boolean"}, "description": "keep the output as an item (always for seal)"}
        ],
        "requestBody": {"required": true, "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}, "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {
          "200": {"description": "the protected image", "headers": {
            "X-Shroud-Item": {"schema": {"type": "string"}, "description": "id of the stored item (seal, or store=true)"},
            "X-Shroud-Regions": {"schema": {"type": "integer"}}, "X-Shroud-Protected": {"schema": {"type": "integer"}}},
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/recover": {
      "post": {
        "summary": "Recover the original of a sealed image (scope recover), from the body or a stored item",
        "security": [{"bearer": []}],
        "parameters": [
          {"$ref": "#/components/parameters/format"},
          {"name": "item", "in": "query", "schema": {"type": "string"}, "description": "recover a stored item instead of a body"}
        ],
        "requestBody": {"required": false, "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {
          "200": {"description": "the original image", "headers": {"X-Shroud-Restored": {"schema": {"type": "integer"}}}, "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}, "409": {"description": "the tenant is zero-knowledge: recover offline with shroud recover --key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/keys": {
      "get": {
        "summary": "The caller's tenant's keys (scope admin); 404 when it has none",
        "security": [{"bearer": []}],
        "responses": {
          "200": {"description": "keys", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Keys"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/keys/rotate": {
      "post": {
        "summary": "Add a new primary key (scope admin); older keys still recover what they sealed; audited",
        "security": [{"bearer": []}],
        "responses": {
          "200": {"description": "the keys after rotation", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Keys"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/keys/{id}/disable": {
      "post": {
        "summary": "Disable a key (scope admin): images sealed with it are refused (403) until enabled; not the primary; audited",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {
          "200": {"description": "the keys after the change", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Keys"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/keys/{id}/enable": {
      "post": {
        "summary": "Enable a disabled key again (scope admin); audited",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {
          "200": {"description": "the keys after the change", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Keys"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/keys/recipient": {
      "post": {
        "summary": "Make the caller's tenant zero-knowledge (scope admin): the service keeps only this recipient public key, seals to it and never recovers; only for a tenant without keys; audited",
        "security": [{"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "description": "the .pub file of shroud keygen KEYSET --recipient PUB"}}}},
        "responses": {
          "201": {"description": "the tenant's keys", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Keys"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/items/{id}": {
      "get": {
        "summary": "A stored protected item (scope review); other tenants' items are 404",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}],
        "responses": {
          "200": {"description": "the protected image as stored", "headers": {"X-Shroud-Method": {"schema": {"type": "string"}}, "X-Shroud-Regions": {"schema": {"type": "integer"}}}, "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/tokens": {
      "post": {
        "summary": "Create a token for a tenant (scope admin)",
        "security": [{"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenRequest"}}}},
        "responses": {
          "201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenCreated"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/tokens/{id}": {
      "delete": {
        "summary": "Revoke a token (scope admin); recorded in the audit trail",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}],
        "responses": {
          "204": {"description": "revoked"},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/whoami": {
      "get": {
        "summary": "The calling token: id, tenant, scopes, expiry (any valid token; the studio shows what the scopes allow)",
        "security": [{"bearer": []}],
        "responses": {
          "200": {"description": "the token", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}, "tenant": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}}, "expires": {"type": "integer"}}}}}},
          "401": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/jobs/video": {
      "post": {
        "summary": "Queue a video for protection (scope protect): 202 with the job at once; progress with GET /v1/jobs/{id}",
        "security": [{"bearer": []}],
        "parameters": [
          {"name": "method", "in": "query", "schema": {"type": "string", "default": "blur"}, "description": "an irreversible method (blur, pixelate, fill, dp-pixelate ...); seal is refused (400)"},
          {"name": "kinds", "in": "query", "schema": {"type": "string"}, "description": "comma list of kinds"},
          {"name": "cells", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
          {"name": "detect_every", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
          {"name": "hold", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1000}},
          {"name": "X-Shroud-Regions-Length", "in": "header", "schema": {"type": "integer", "minimum": 1}, "description": "re-render: the body starts with this many bytes of {\"frames\": [{\"frame\", \"regions\"}]} (as /v1/jobs/{id}/frames answers), then the video; exactly those boxes are protected. A region with \"follow\": true (a box the reviewer added) is first followed forward through the clip by appearance (KCF) until the follower loses it, the clip ends or the frame lists the same track; the job's follow field says how far"}
        ],
        "requestBody": {"required": true, "content": {"video/*": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {
          "202": {"description": "queued", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"},
          "503": {"description": "the video job queue is full (code overloaded), with Retry-After", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      }
    },
    "/v1/jobs/{id}": {
      "get": {
        "summary": "A job's state and progress (scope protect); other tenants' jobs are 404",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}],
        "responses": {
          "200": {"description": "the job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}
        }
      },
      "delete": {
        "summary": "Cancel a queued or running job (scope protect); a cancelled job leaves no output",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}],
        "responses": {
          "202": {"description": "cancelled (queued) or cancelling (running)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/jobs/{id}/result": {
      "get": {
        "summary": "The protected video of a done job (scope protect); also GET /v1/items/{item}",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}],
        "responses": {
          "200": {"description": "the video", "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/jobs/{id}/frames": {
      "get": {
        "summary": "The regions protected in each frame of a done job (scope protect): {fps, frames: [{frame, regions: [{kind, box, method, track, score}]}]}",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}],
        "responses": {
          "200": {"description": "per-frame regions", "content": {"application/json": {"schema": {"type": "object"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/studio/preview": {
      "post": {
        "summary": "The image protected with the given regions, not stored (scope protect); seal regions show their placeholder",
        "security": [{"bearer": []}],
        "parameters": [{"name": "X-Shroud-Regions-Length", "in": "header", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": 1048576}, "description": "bytes of the StudioEdit JSON at the start of the body; the image bytes follow"}],
        "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {
          "200": {"description": "PNG", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/studio/apply": {
      "post": {
        "summary": "Protect the image with the given regions, store it and its regions JSON as items, audit (studio.apply) (scope protect)",
        "security": [{"bearer": []}],
        "parameters": [{"name": "X-Shroud-Regions-Length", "in": "header", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": 1048576}, "description": "bytes of the StudioEdit JSON at the start of the body; the image bytes follow"}],
        "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {
          "201": {"description": "stored", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"type": "object", "properties": {"item": {"type": "string"}, "regions_item": {"type": "string"}, "format": {"type": "string"}, "bytes": {"type": "integer"}, "protected": {"type": "integer"}, "sealed": {"type": "integer"}, "method": {"type": "string"}}}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/studio/items/{id}/original": {
      "post": {
        "summary": "The original of a sealed item, given a reason that the audit trail records (scope recover); nobody else receives original pixels",
        "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "minLength": 4, "maxLength": 500}}}}}},
        "responses": {
          "200": {"description": "the original (sealed regions restored) as PNG", "headers": {"X-Shroud-Restored": {"schema": {"type": "integer"}}}, "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/studio/": {
      "get": {
        "summary": "The review studio page (no token; it signs in with one). Its assets are /studio/studio.js and /studio/studio.css, built into the binary",
        "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}
      }
    }
  }
}
)json";
}

}  // namespace shroud::service
