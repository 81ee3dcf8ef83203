"""Opening payment screenshots safely, and the file's own time cues.

The pixel count is read from the header and checked before any pixel is
decoded, so a decompression bomb costs no memory; a non-image, an empty or a
truncated file is a :class:`~receiptkit.errors.ProofError` naming the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import warnings
from pathlib import Path
from typing import Any

from receiptkit.errors import ProofError
from receiptkit.pan import mask_pans_in_text

__all__ = ["IMAGE_SUFFIXES", "MAX_BYTES", "MAX_PIXELS", "is_image", "metadata_cues", "open_image"]

#: Largest image accepted (pixels); a phone screenshot is 1-5 million, a long scrolling one up to ~30 million.
MAX_PIXELS = 40_000_000
#: Largest file accepted (bytes).
MAX_BYTES = 50 * 1024 * 1024

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".heic", ".heif", ".bmp", ".gif", ".tif", ".tiff")
_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
)


def is_image(source: Any, name: str | None = None) -> bool:
    """True for a path with an image suffix, or bytes / a seekable file starting with an image signature."""
    if isinstance(source, str | Path):
        if Path(source).suffix.lower() in IMAGE_SUFFIXES:
            return True
        try:
            with open(source, "rb") as handle:
                head = handle.read(16)
        except OSError:
            return False
    elif isinstance(source, bytes | bytearray):
        head = bytes(source[:16])
    elif hasattr(source, "read") and hasattr(source, "seek") and hasattr(source, "tell"):
        position = source.tell()
        head = source.read(16)
        source.seek(position)
        if not isinstance(head, bytes):
            return False
    else:
        return False
    if any(head.startswith(magic) for magic in _MAGIC):
        return True
    if head[:2] == b"BM" and head[6:10] == b"\0\0\0\0":  # BMP: "BM", file size, four zero bytes
        return True
    return (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[4:12] in (
        b"ftypheic",
        b"ftypheix",
        b"ftypmif1",
    )


def _register_heif() -> None:
    try:  # HEIC/HEIF only where pillow-heif is installed; not a dependency of receiptkit
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()


def open_image(source: Any, *, name: str, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES) -> Any:
    """Open an image safely and return it decoded as RGB (EXIF rotation applied), with ``.info`` kept.

    The pixel count is checked from the header before any pixel is decoded.
    Raises :class:`ProofError` for a non-image, an oversized image (a
    decompression bomb), or a truncated or damaged file.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(source, str | Path):
        from receiptkit.readers.table import path_problem, read_failure

        path = Path(source)
        problem = path_problem(path)
        if problem:
            raise ProofError(problem, file=name)
        try:
            if path.stat().st_size > max_bytes:
                raise ProofError(f"file larger than {max_bytes} bytes", file=name, value=path.stat().st_size)
            data = path.read_bytes()
        except OSError as exc:  # the file is there but fails to read (permissions, I/O)
            raise ProofError(read_failure(exc), file=name) from None
    elif isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        data = source.read(max_bytes + 1)
        if not isinstance(data, bytes):
            raise ProofError("a screenshot must be read from a binary file", file=name)
    if len(data) > max_bytes:
        raise ProofError(f"file larger than {max_bytes} bytes", file=name, value=len(data))
    if not data:
        raise ProofError("empty file, not an image", file=name)
    _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ProofError(
                    f"image of {width} x {height} pixels is larger than the {max_pixels:,} pixel limit "
                    "(a decompression bomb or not a phone screenshot)",
                    file=name,
                    value=f"{width}x{height}",
                )
            image.load()
            info = dict(image.info)
            exif = image.getexif()
            image_format = image.format
            upright = ImageOps.exif_transpose(image)
            rgb = _to_rgb(upright)
    except ProofError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ProofError(f"image too large, refused as a decompression bomb ({exc})", file=name) from None
    except UnidentifiedImageError:
        raise ProofError(
            "not an image Pillow can open (PNG, JPEG, WebP; HEIC with pillow-heif)",
            file=name,
            value=data[:12],
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ProofError(f"truncated or damaged image ({exc})", file=name) from None
    rgb.info = info
    rgb.info["__exif"] = exif
    rgb.info["__format"] = image_format
    return rgb


def _to_rgb(image: Any) -> Any:
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    return image.convert("RGB")


_FILE_TIME = re.compile(
    r"(?P<y>20\d{2})[-_.]?(?P<m>[01]\d)[-_.]?(?P<d>[0-3]\d)[-_. T]?(?P<H>[0-2]\d)[-_.:]?(?P<M>[0-5]\d)[-_.:]?(?P<S>[0-5]\d)"
)
_FILE_EPOCH_MS = re.compile(r"mmexport(?P<ms>1\d{12})")


def metadata_cues(info: dict[str, Any], name: str) -> dict[str, str]:
    """The file's own hints of when it was made (EXIF, PNG text chunks, file name): weak cues only.

    They say when the *file* was made or saved, not when the payment was
    made, and can be edited freely; they go to ``raw["cues"]`` and are
    never used as the payment time.
    """
    cues: dict[str, str] = {}
    exif = info.get("__exif")
    if exif:
        for tag, key in (
            (306, "exif_datetime"),
            (305, "exif_software"),
            (271, "exif_make"),
            (272, "exif_model"),
        ):
            if exif.get(tag):
                cues[key] = str(exif.get(tag))[:100]
        try:
            sub = exif.get_ifd(0x8769)
        except (KeyError, AttributeError, ValueError):
            sub = {}
        for tag, key in ((36867, "exif_datetime_original"), (36868, "exif_datetime_digitized")):
            if sub.get(tag):
                cues[key] = str(sub.get(tag))[:100]
    for key, value in info.items():
        if key.startswith("__") or key in ("exif", "icc_profile", "dpi", "gamma", "transparency", "aspect"):
            continue
        if isinstance(value, str) and value.strip():
            cues[f"text:{key}"[:60]] = mask_pans_in_text(value.strip())[:200]
    stem = Path(name).name if name and not name.startswith("<") else ""
    match = _FILE_TIME.search(stem)
    if match:
        parts = {k: int(v) for k, v in match.groupdict().items()}
        with contextlib.suppress(ValueError):  # 20261340_250000 is no time
            cues["file_name_time"] = dt.datetime(
                parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"]
            ).isoformat()
    epoch = _FILE_EPOCH_MS.search(stem)
    if epoch:
        cues["file_name_epoch_ms"] = epoch.group("ms")
    return cues
