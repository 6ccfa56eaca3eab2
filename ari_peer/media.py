"""Times, causes and recorded audio as Asterisk writes them."""

from __future__ import annotations

import math
import struct
import wave
from datetime import UTC, datetime
from pathlib import Path

# Q.850 causes Asterisk reports in ChannelDestroyed, with its own texts.
CAUSES: dict[int, str] = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    16: "Normal Clearing",
    17: "User busy",
    18: "No user responding",
    19: "User alerting, no answer",
    21: "Call Rejected",
    26: "Answered elsewhere",
    28: "Invalid number format",
    31: "Normal, unspecified",
    34: "Circuit/channel congestion",
    38: "Network out of order",
    58: "Bearer capability not available",
    127: "Interworking, unspecified",
}

# DELETE /channels/{id}?reason=... -> cause.
HANGUP_REASONS: dict[str, int] = {
    "normal": 16,
    "busy": 17,
    "congestion": 34,
    "no_answer": 19,
    "timeout": 18,
    "rejected": 21,
    "unallocated": 1,
    "normal_unspecified": 31,
    "number_incomplete": 28,
    "codec_mismatch": 58,
    "interworking": 127,
    "failure": 38,
    "answered_elsewhere": 26,
}

# A soft hangup (the app's DELETE) is reported with Asterisk's soft-hangup flag as its cause.
SOFT_HANGUP_EXPLICIT = 32

FORMATS = {"wav", "gsm", "ulaw", "alaw", "sln", "g722", "wav49"}
RATE = 8000


def timestamp(at: datetime | None = None) -> str:
    """Asterisk's event time: 2026-11-22T21:07:16.020+0000."""
    moment = at or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def cause_text(cause: int) -> str:
    return CAUSES.get(cause, "Unknown")


def write_recording(path: Path, seconds: float, talked: float) -> None:
    """8 kHz mono 16-bit WAV of `seconds`: a 440 Hz tone while the caller talked, then silence."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = int(seconds * RATE)
    voiced = int(min(talked, seconds) * RATE)
    samples = bytearray()
    for i in range(frames):
        value = int(8000 * math.sin(2 * math.pi * 440 * i / RATE)) if i < voiced else 0
        samples += struct.pack("<h", value)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(samples))
