"""The offline OCR engine behind the screenshot reader, loaded once per process and reused.

The engine is `rapidocr <https://github.com/RapidAI/RapidOCR>`_ (>= 3.10) on
onnxruntime, installed with the optional extra ``receiptkit[ocr]``. Its PP-OCR
detection, angle and recognition models ship inside the rapidocr wheel, so
nothing is downloaded at run time. Each recognised text line comes back as an
:class:`OcrLine` with its box, its mean score and one score per character
(the screenshot reader trusts a field only as far as its weakest character).

The first :func:`recognise` in a process pays for importing the engine and
creating its sessions; :func:`engine_stats` reports that cold cost apart from
the warm per-image cost. Call :func:`load_engine` at start-up to pay it early.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from receiptkit.errors import ProofError

__all__ = [
    "ENGINE_PARAMS",
    "INSTALL_HINT",
    "EngineStats",
    "OcrLine",
    "engine_available",
    "engine_stats",
    "load_engine",
    "recognise",
]

INSTALL_HINT = "reading screenshots needs the OCR extra: pip install 'receiptkit[ocr]'"

#: rapidocr settings: per-character scores on; no angle classifier (screenshots are upright); text
#: detection on the image scaled to at most 960 px on its long side (recognition still reads the
#: full-resolution line crops).
ENGINE_PARAMS: dict[str, Any] = {
    "Global.log_level": "error",
    "Global.return_word_box": True,
    "Global.use_cls": False,
    "Det.limit_type": "max",
    "Det.limit_side_len": 960,
}


@dataclass(frozen=True)
class OcrLine:
    """One recognised text line: text, mean score, per-character scores, box (x0, y0, x1, y1) in pixels."""

    text: str
    score: float
    box: tuple[int, int, int, int]
    char_scores: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.char_scores and len(self.char_scores) != len(self.text):
            raise ValueError("char_scores must have one score per character of text")

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def scores(self) -> tuple[float, ...]:
        """One score per character (the line's mean score where the engine gave none)."""
        return self.char_scores or tuple(self.score for _ in self.text)


@dataclass
class EngineStats:
    """What the engine cost: ``load_s`` (import + model sessions + first image), then warm calls."""

    name: str = ""
    load_s: float | None = None
    first_call_s: float | None = None
    warm_calls: int = 0
    warm_total_s: float = 0.0

    @property
    def warm_mean_s(self) -> float | None:
        return self.warm_total_s / self.warm_calls if self.warm_calls else None


_LOCK = threading.Lock()
_ENGINE: Any = None
_STATS = EngineStats()


def engine_available() -> bool:
    """True when the OCR extra (rapidocr and onnxruntime) is installed."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("rapidocr", "onnxruntime"))


def load_engine() -> Any:
    """Create the engine once (thread-safe) and return it; raises ProofError without the extra."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            started = time.perf_counter()
            try:
                from importlib.metadata import version

                from rapidocr import RapidOCR
            except ImportError as exc:
                raise ProofError(f"{INSTALL_HINT} ({exc})") from None
            engine = RapidOCR(params=dict(ENGINE_PARAMS))
            if hasattr(engine, "cal_rec_boxes"):
                engine.cal_rec_boxes = _CharScores()  # type: ignore[assignment]  # stands in for CalRecBoxes
            _ENGINE = engine
            _STATS.name = f"rapidocr {version('rapidocr')} (onnxruntime {version('onnxruntime')})"
            _STATS.load_s = time.perf_counter() - started
        return _ENGINE


class _CharScores:
    """Takes the place of rapidocr's word-box step on our engine: one (character, score) per character.

    rapidocr's recogniser keeps one probability per decoded character
    (``WordInfo.confs``), but its word-box step pairs them with words and
    loses the alignment after spaces; the boxes of single words are not needed
    here. Where the structure is not as expected the line falls back to its
    mean score (see :func:`_char_scores`).
    """

    def __call__(self, imgs: Any, dt_boxes: Any, rec_res: Any, return_single_char_box: bool = False) -> Any:
        lines = []
        for text, info in zip(rec_res.txts or (), rec_res.word_results or (), strict=False):
            confs = list(getattr(info, "confs", None) or ())
            if len(confs) == len(text):
                lines.append(
                    tuple((ch, float(conf), ((0, 0),)) for ch, conf in zip(text, confs, strict=True))
                )
            else:
                lines.append((("", 0.0, ((0, 0),)),))
        rec_res.word_results = tuple(lines)
        return rec_res


def engine_stats() -> EngineStats:
    """Cold cost (``load_s``, ``first_call_s``) and warm cost (``warm_mean_s``) of this process's engine."""
    return _STATS


def recognise(image: Any) -> tuple[list[OcrLine], dict[str, Any]]:
    """Recognise the text lines of an RGB image (PIL image or H x W x 3 uint8 array).

    Returns the lines (top to bottom as the engine found them) and a dict
    ``{"engine", "seconds", "cold"}``: ``cold`` is True for the call that
    loaded the engine, whose ``seconds`` include the load.
    """
    cold = _ENGINE is None
    started = time.perf_counter()
    engine = load_engine()
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError("recognise() needs an RGB image")
    # rapidocr expects OpenCV's BGR channel order for arrays
    result = engine(np.ascontiguousarray(array[:, :, ::-1]))
    elapsed = time.perf_counter() - started
    with _LOCK:
        if cold and _STATS.first_call_s is None:
            _STATS.first_call_s = elapsed
        else:
            _STATS.warm_calls += 1
            _STATS.warm_total_s += elapsed
    lines = _lines(result)
    return lines, {"engine": _STATS.name, "seconds": round(elapsed, 3), "cold": cold}


def _lines(result: Any) -> list[OcrLine]:
    boxes = getattr(result, "boxes", None)
    if boxes is None:
        return []
    words = getattr(result, "word_results", None) or [()] * len(boxes)
    out = []
    for box, text, score, pieces in zip(boxes, result.txts, result.scores, words, strict=False):
        points = np.asarray(box, dtype=float)
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        out.append(
            OcrLine(
                text=str(text),
                score=float(score),
                box=(int(x0), int(y0), int(x1), int(y1)),
                char_scores=_char_scores(str(text), float(score), pieces),
            )
        )
    return out


def _char_scores(text: str, score: float, pieces: Any) -> tuple[float, ...]:
    """Spread the engine's per-word scores over the line's characters (spaces score 1)."""
    scores: list[float] = []
    for piece in pieces or ():
        try:
            piece_text, piece_score = str(piece[0]), float(piece[1])
        except (TypeError, ValueError, IndexError):
            return ()
        scores.extend(piece_score for ch in piece_text if not ch.isspace())
    if len(scores) != sum(1 for ch in text if not ch.isspace()):
        return tuple(score for _ in text)  # pieces do not cover the text: fall back to the line score
    out = []
    position = 0
    for ch in text:
        if ch.isspace():
            out.append(1.0)
        else:
            out.append(scores[position])
            position += 1
    return tuple(out)
