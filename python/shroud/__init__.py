"""Shroud: detect and protect faces, plates and other sensitive regions in images and video.

    import cv2, shroud
    engine = shroud.Engine(method="pixelate")          # default detector: YuNet + LPD-YuNet
    frame = cv2.imread("photo.jpg")                    # uint8 HxWx3 BGR
    report = engine.protect(frame)                     # in place, no copy
    cv2.imwrite("safe.png", frame)

Main types: Engine, Region, Action, FrameReport, EncodedResult, Keyset, RecipientKey.
Functions: attack(), attacks(); the submodule shroud.metrics (ssim, psnr, ...).
Errors: every error is a shroud.Error; its subclasses also derive from the matching built-in
(InvalidArgumentError is a ValueError, NotFoundError a LookupError, ...). docs/python.md has
the full guide.
"""

from ._shroud import (  # noqa: F401
    Action,
    AuthenticationError,
    CorruptError,
    EncodedResult,
    Engine,
    Error,
    FrameReport,
    InternalError,
    InvalidArgumentError,
    IoError,
    Keyset,
    NotFoundError,
    PermissionDeniedError,
    RecipientKey,
    Region,
    ResourceLimitError,
    UnsupportedError,
    __version__,
    attack,
    attacks,
    generate_scheme_key,
)
from . import metrics  # noqa: F401

__all__ = [
    "Action", "AuthenticationError", "CorruptError", "EncodedResult", "Engine", "Error",
    "FrameReport", "InternalError", "InvalidArgumentError", "IoError", "Keyset", "NotFoundError",
    "PermissionDeniedError", "RecipientKey", "Region", "ResourceLimitError", "UnsupportedError",
    "attack", "attacks", "generate_scheme_key", "metrics", "__version__",
]
