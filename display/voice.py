"""Announcements for the wall display, rendered offline on the server.

A call is said as "请 A 零 零 七 号, 到 三号窗口 办理" (digits one by one), after a chime, `repeat`
times, optionally again in English; a recall starts with "重呼"; a pause is "三号窗口暂停服务".
The engine is pluggable: espeak-ng (Debian, works out of the box), piper-tts (with a configured
voice model), or none ("browser": the page speaks the texts itself). Every announcement is one
WAV, cached by its words, so the display plays exactly one file per announcement.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import shutil
import struct
import subprocess
import threading
import wave
from pathlib import Path

RATE = 22050
DIGITS_ZH = "零一二三四五六七八九"


class VoiceError(Exception):
    code = "voice_unavailable"


def number_zh(n: int) -> str:
    """A counter's number as said aloud: 3 → 三, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一零五."""
    if n < 10:
        return DIGITS_ZH[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else DIGITS_ZH[tens]) + "十" + (DIGITS_ZH[ones] if ones else "")
    return "".join(DIGITS_ZH[int(d)] for d in str(n))


def spell_ticket_zh(number: str) -> str:
    """A007 → "A 零 零 七": the letter, then each digit on its own."""
    return " ".join(DIGITS_ZH[int(c)] if c.isdigit() else c for c in number)


def counter_zh(name: str) -> str:
    """"3号窗口" → "三号窗口" (numbers in a counter's name said as numbers)."""
    return re.sub(r"\d+", lambda m: number_zh(int(m.group())), name)


def counter_en(name: str, counter_id: str) -> str:
    digits = re.search(r"\d+", name) or re.search(r"\d+", counter_id)
    return f"counter {digits.group()}" if digits else f"counter {counter_id}"


def call_texts(number: str, counter_name: str, counter_id: str, recall: bool, english: bool
               ) -> list[tuple[str, str]]:
    zh = f"请 {spell_ticket_zh(number)} 号, 到 {counter_zh(counter_name)} 办理"
    texts = [("zh", ("重呼, " if recall else "") + zh)]
    if english:
        spelled = " ".join(number)
        texts.append(("en", ("Repeat. " if recall else "") + f"Number {spelled}, please go to "
                      f"{counter_en(counter_name, counter_id)}."))
    return texts


def pause_texts(counter_name: str, counter_id: str, english: bool) -> list[tuple[str, str]]:
    texts = [("zh", f"{counter_zh(counter_name)} 暂停服务")]
    if english:
        texts.append(("en", f"{counter_en(counter_name, counter_id).capitalize()} is closed for now."))
    return texts


def call_url(number: str, counter: str, recall: bool) -> str:
    """Where the display fetches a call's announcement."""
    from urllib.parse import urlencode
    return "/api/announcements/call.wav?" + urlencode(
        {"number": number, "counter": counter, "recall": int(bool(recall))})


def pause_url(counter: str) -> str:
    from urllib.parse import urlencode
    return "/api/announcements/pause.wav?" + urlencode({"counter": counter})


class CallWords:
    """What a call or a pause says on the wall: where the display finds the words (a WAV the
    server renders) and the words themselves, for a hall whose voice is the browser's. Given to
    the publisher (web/app.py), which knows nothing of voices."""

    def __init__(self, config_of):
        self._config_of = config_of

    def call(self, number: str, counter: str, recall: bool) -> dict:
        config = self._config_of()
        c = config.counter(counter)
        texts = call_texts(number, c.name if c else counter, counter, recall, config.voice.english)
        return self._said(config, call_url(number, counter, recall), texts)

    def pause(self, counter: str) -> dict:
        config = self._config_of()
        c = config.counter(counter)
        texts = pause_texts(c.name if c else counter, counter, config.voice.english)
        return self._said(config, pause_url(counter), texts)

    @staticmethod
    def _said(config, url: str, texts) -> dict:
        return {"announce": url if config.voice.engine != "browser" else None,
                "speak": [{"lang": lang, "text": text} for lang, text in texts]}


# --- engines ------------------------------------------------------------------------------
class Espeak:
    name = "espeak-ng"
    VOICES = {"zh": "cmn", "en": "en-us"}

    def __init__(self, speed: int = 150):
        self.speed = speed
        self.binary = shutil.which("espeak-ng")

    def available(self) -> bool:
        return self.binary is not None

    def render(self, text: str, lang: str) -> bytes:
        if not self.binary:
            raise VoiceError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
        run = subprocess.run([self.binary, "-v", self.VOICES.get(lang, "cmn"), "-s", str(self.speed),
                              "--stdout", text], capture_output=True, timeout=30)
        if run.returncode != 0 or not run.stdout.startswith(b"RIFF"):
            raise VoiceError(f"espeak-ng failed: {run.stderr[:200]!r}")
        return run.stdout


class Piper:
    name = "piper"

    def __init__(self, model: str):
        self.model = model
        self.binary = shutil.which("piper")

    def available(self) -> bool:
        return self.binary is not None and Path(self.model).exists()

    def render(self, text: str, lang: str) -> bytes:
        if not self.available():
            raise VoiceError(f"piper or its model {self.model} is missing")
        run = subprocess.run([self.binary, "--model", self.model, "--output_file", "-"],
                             input=text.encode("utf-8"), capture_output=True, timeout=60)
        if run.returncode != 0 or not run.stdout.startswith(b"RIFF"):
            raise VoiceError(f"piper failed: {run.stderr[:200]!r}")
        return run.stdout


# --- sound ----------------------------------------------------------------------------------
def _pcm(wav_bytes: bytes) -> bytes:
    """16-bit mono PCM at RATE from a WAV (resampled by nearest sample if needed)."""
    with wave.open(io.BytesIO(wav_bytes)) as w:
        frames = w.readframes(w.getnframes())
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    if width != 2:
        raise VoiceError(f"unexpected sample width {width}")
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    if channels > 1:
        samples = samples[::channels]
    if rate != RATE:
        step = rate / RATE
        samples = [samples[int(i * step)] for i in range(int(len(samples) / step))]
    return struct.pack(f"<{len(samples)}h", *samples)


def chime() -> bytes:
    """Two soft tones (ding-dong) before an announcement."""
    out = []
    for freq, dur in ((880.0, 0.28), (660.0, 0.42)):
        n = int(RATE * dur)
        for i in range(n):
            env = min(1.0, i / (RATE * 0.01)) * math.exp(-3.0 * i / n)
            out.append(int(9000 * env * math.sin(2 * math.pi * freq * i / RATE)))
    return struct.pack(f"<{len(out)}h", *out)


def silence(seconds: float) -> bytes:
    return b"\x00\x00" * int(RATE * seconds)


def to_wav(pcm: bytes) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    return buf.getvalue()


class Announcer:
    """Renders and caches announcements; thread-safe."""

    def __init__(self, voice_config, cache_dir: str | Path):
        self.config = voice_config
        self.cache = Path(cache_dir)
        self.engine = None
        if voice_config.engine == "espeak-ng":
            self.engine = Espeak(voice_config.speed)
        elif voice_config.engine == "piper":
            self.engine = Piper(voice_config.piper_model)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @property
    def server_side(self) -> bool:
        return self.engine is not None

    def key(self, texts: list[tuple[str, str]]) -> str:
        raw = repr((self.config.engine, self.config.repeat, self.config.speed, texts))
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]

    @property
    def cap_bytes(self) -> int:
        return self.config.cache_mb * 1024 * 1024

    def render(self, texts: list[tuple[str, str]]) -> Path:
        """The announcement's WAV file (rendered once, then from the cache)."""
        path = self.cache / f"{self.key(texts)}.wav"
        if path.exists():
            self._touch(path)
            return path
        with self._guard:
            lock = self._locks.setdefault(path.name, threading.Lock())
        with lock:
            if path.exists():
                return path
            spoken = [_pcm(self.engine.render(text, lang)) for lang, text in texts]
            pcm = chime() + silence(0.3)
            for i in range(self.config.repeat):
                for part in spoken:
                    pcm += part + silence(0.5)
            self.cache.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(to_wav(pcm))
            tmp.replace(path)
        with self._guard:
            self._locks.pop(path.name, None)
            self._trim(keep=path)
        return path

    @staticmethod
    def _touch(path: Path) -> None:
        # A cache hit is "recent": the calls of the day stay, last week's go first.
        try:
            path.touch()
        except OSError:
            pass

    def _trim(self, keep: Path) -> None:
        """Over the cap: the least recently used files out first (never the one just made)."""
        files = []
        for f in self.cache.glob("*.wav"):
            try:
                st = f.stat()
            except FileNotFoundError:
                continue
            files.append((st.st_mtime, st.st_size, f))
        total = sum(size for _, size, _ in files)
        for _, size, f in sorted(files, key=lambda x: x[0]):
            if total <= self.cap_bytes:
                break
            if f == keep:
                continue
            f.unlink(missing_ok=True)
            total -= size
