"""Opening screenshot files safely and reading their metadata cues (no OCR engine needed)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from receiptkit.errors import ProofError
from receiptkit.readers.screenshot_image import is_image, metadata_cues, open_image


def _png(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **kwargs)
    return buffer.getvalue()


def _jpeg(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **kwargs)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG file that claims ``width`` x ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_opens_png_and_jpeg_as_rgb():
    for data in (_png(Image.new("RGBA", (40, 30), (0, 0, 0, 0))), _jpeg(Image.new("L", (40, 30), 128))):
        image = open_image(data, name="shot")
        assert image.mode == "RGB" and image.size == (40, 30)
    # a transparent screenshot is put on white, not black
    assert open_image(_png(Image.new("RGBA", (4, 4), (0, 0, 0, 0))), name="s").getpixel((1, 1)) == (
        255,
        255,
        255,
    )


def test_not_an_image(tmp_path):
    path = tmp_path / "shot.png"
    path.write_text("交易时间,金额\n2026-11-20,12.50\n", encoding="utf-8")
    with pytest.raises(ProofError) as info:
        open_image(path, name=str(path))
    assert "not an image" in str(info.value) and info.value.file == str(path)
    with pytest.raises(ProofError, match="empty file"):
        open_image(b"", name="empty.png")


@pytest.mark.parametrize("encode", [_png, _jpeg])
def test_truncated_image(encode):
    image = Image.effect_noise((300, 300), 60).convert("RGB")  # noise: no tiny compressed stream
    data = encode(image)
    with pytest.raises(ProofError, match="truncated or damaged image"):
        open_image(data[: len(data) // 2], name="cut")


def test_decompression_bomb_refused_before_decoding():
    with pytest.raises(ProofError) as info:
        open_image(_png_header_only(9000, 9000), name="bomb.png")  # 81 million pixels > our 40 million limit
    assert "decompression bomb" in str(info.value) and info.value.value == "9000x9000"
    with pytest.raises(ProofError, match="decompression bomb"):
        open_image(_png_header_only(100_000, 100_000), name="bomb.png")  # past Pillow's own limit too
    with pytest.raises(ProofError, match="decompression bomb"):
        open_image(_png(Image.new("RGB", (100, 100))), name="s", max_pixels=5000)


def test_file_size_limit(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(_png(Image.effect_noise((200, 200), 50).convert("RGB")))
    with pytest.raises(ProofError, match="larger than"):
        open_image(path, name=str(path), max_bytes=1000)


def test_is_image():
    png = _png(Image.new("RGB", (2, 2)))
    assert is_image(png) and is_image(io.BytesIO(png)) and is_image(_jpeg(Image.new("RGB", (2, 2))))
    stream = io.BytesIO(png)
    stream.seek(0)
    is_image(stream)
    assert stream.tell() == 0  # the stream is left where it was
    assert not is_image(b"\xef\xbb\xbf\xe4\xba\xa4\xe6\x98\x93") and not is_image("no/such/file.csv")
    assert not is_image(b"BMW 3 series,12.50\n") and is_image(_bmp())


def test_metadata_cues_are_kept_apart(tmp_path):
    exif = Image.Exif()
    exif[306] = "2026:11:21 09:00:00"
    exif.get_ifd(0x8769)[36867] = "2026:11:20 14:32:10"
    jpeg = _jpeg(Image.new("RGB", (20, 20)), exif=exif)
    cues = metadata_cues(open_image(jpeg, name="x").info, "Screenshot_20261120_143210.jpg")
    assert cues["exif_datetime_original"] == "2026:11:20 14:32:10"
    assert cues["exif_datetime"] == "2026:11:21 09:00:00"
    assert cues["file_name_time"] == "2026-11-20T14:32:10"

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Android screenshot")
    info.add_text("Comment", "card 6225880137706868")
    png = _png(Image.new("RGB", (20, 20)), pnginfo=info)
    cues = metadata_cues(open_image(png, name="x").info, "微信图片_20261120143210.png")
    assert cues["text:Software"] == "Android screenshot"
    assert "6225880137706868" not in cues["text:Comment"]  # a full card number is masked
    assert cues["file_name_time"] == "2026-11-20T14:32:10"
    assert metadata_cues({}, "mmexport1763620330000.jpg") == {"file_name_epoch_ms": "1763620330000"}
    assert metadata_cues({}, "IMG_20261340_250000.png") == {}  # no such date: no cue


def _bmp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3)).save(buffer, format="BMP")
    return buffer.getvalue()
