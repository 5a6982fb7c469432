"""The mock printer's paper: a parsed ticket drawn as the 80 mm roll would show it (576 dots)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .escpos import Line, Qr, Ticket

WIDTH = 576                 # dots across 80 mm at 203 dpi
CHAR_H = 24                 # font A: 12 × 24 dots, Chinese 24 × 24
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


@lru_cache(maxsize=32)
def _font(px: int):
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, px)
    return ImageFont.load_default(size=px)     # no CJK font: Chinese shows as boxes


def render(ticket: Ticket) -> Image.Image:
    blocks: list[Image.Image] = []
    for item in ticket.items:
        if isinstance(item, Line):
            blocks.append(_line(item))
        elif isinstance(item, Qr):
            blocks.append(_qr(item))
        else:
            blocks.append(Image.new("L", (WIDTH, CHAR_H * item[1] // 2 + 1), 255))
    height = sum(b.height for b in blocks) + 40
    paper = Image.new("L", (WIDTH, height), 255)
    y = 20
    for b in blocks:
        paper.paste(b, (0, y))
        y += b.height
    if ticket.cut:
        ImageDraw.Draw(paper).line([(0, height - 2), (WIDTH, height - 2)], fill=0, width=2)
    return paper


def _line(line: Line) -> Image.Image:
    h = CHAR_H * line.height
    font = _font(h)
    text = line.text or " "
    left, top, right, bottom = font.getbbox(text)
    natural_w, natural_h = max(1, right - left), max(1, bottom - top)
    glyphs = Image.new("L", (natural_w + 4, natural_h + 4), 255)
    ImageDraw.Draw(glyphs).text((2 - left, 2 - top), text, font=font, fill=0,
                                stroke_width=1 if line.bold else 0, stroke_fill=0)
    # GS ! scales width and height independently: stretch the drawn line to match.
    width = min(WIDTH, max(1, glyphs.width * line.width // line.height))
    glyphs = glyphs.resize((width, glyphs.height))
    row = Image.new("L", (WIDTH, max(h, glyphs.height) + 8), 255)
    x = {"left": 0, "center": (WIDTH - glyphs.width) // 2, "right": WIDTH - glyphs.width}[line.align]
    row.paste(glyphs, (max(0, x), 4 + max(0, h - glyphs.height) // 2))
    return row


def _qr(item: Qr) -> Image.Image:
    code = qrcode.QRCode(box_size=max(1, item.size), border=1,
                         error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{item.ec}",
                                                  qrcode.constants.ERROR_CORRECT_M))
    code.add_data(item.data)
    img = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    row = Image.new("L", (WIDTH, img.height + 8), 255)
    x = {"left": 0, "center": (WIDTH - img.width) // 2, "right": WIDTH - img.width}[item.align]
    row.paste(img, (max(0, x), 4))
    return row
