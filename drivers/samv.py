"""The SAM serial protocol of second-generation ID-card readers (../shared/devices/idcard-protocol.md):
frames, checksums, status words and the 256-byte text block. Shared by the driver and the mock.

Request:  AA AA AA 96 69 | Len (u16 BE) | CMD PARA [data] | XOR
Response: AA AA AA 96 69 | Len (u16 BE) | SW1 SW2 SW3 [data] | XOR
The XOR runs over every byte after the preamble (Len included) and before the checksum.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PREAMBLE = b"\xAA\xAA\xAA\x96\x69"
MAX_LEN = 2400                  # the largest standard answer is 2314 (30 10 with two prints)

# Commands (CMD, PARA).
RESET = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND = (0x20, 0x01)
SELECT = (0x20, 0x02)
READ = (0x30, 0x01)             # text + photo
READ_FP = (0x30, 0x10)          # text + photo + fingerprints
READ_ADDRESS = (0x30, 0x03)     # newest appended address

# SW3 status codes, §4.
OK, FOUND = 0x90, 0x9F
STATUS_TEXT = {
    0x90: "操作成功", 0x9F: "寻找证/卡成功", 0x91: "证/卡中此项无内容",
    0x10: "接收业务终端数据的校验和错", 0x11: "接收业务终端数据的长度错", 0x21: "接收业务终端的命令错误",
    0x23: "越权操作", 0x24: "无法识别的错误", 0x31: "证/卡认证SAM失败", 0x32: "SAM认证证/卡失败",
    0x33: "信息验证错误", 0x40: "无法识别的证/卡类型", 0x41: "读证/卡操作失败", 0x47: "取随机数失败",
    0x60: "SAM自检失败", 0x66: "SAM没有经过授权", 0x80: "寻找证/卡失败", 0x81: "选取证/卡失败",
}

SEX = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
NATIONS = dict(zip(
    [f"{i:02d}" for i in range(1, 57)] + ["97", "98"],
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
    "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 "
    "保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 其他 外国血统中国籍人士".split()))
LONG_TERM = "长期"

# Card kinds by the flag at text bytes 248–249, §6.1.
CARD_TYPES = {" ": "resident", "J": "hk_mo_tw_permit", "I": "foreign_permanent_2017",
              "Y": "foreign_permanent_2023"}
CARD_FLAGS = {v: k for k, v in CARD_TYPES.items()}
TEXT_LEN, PHOTO_LEN = 256, 1024
FAKE_WLT = b"WL\x66\x00\x7e\x00" + bytes(PHOTO_LEN - 6)   # a photo header decoders recognise

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


class FrameError(ValueError):
    """A frame that is not well formed (the driver turns it into an IdCardError)."""


def xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def frame(body: bytes) -> bytes:
    """Preamble + Len + body + XOR, for a body of CMD PARA data (request) or SW data (answer)."""
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor(length + body)])


def request(cmd: tuple[int, int], data: bytes = b"") -> bytes:
    return frame(bytes(cmd) + data)


def answer(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return frame(bytes((sw1, sw2, sw3)) + data)


@dataclass(frozen=True)
class Frame:
    """A checked frame: `head` is CMD PARA (request) or SW1 SW2 SW3 (answer)."""
    body: bytes

    @property
    def sw3(self) -> int:
        return self.body[2]

    @property
    def command(self) -> tuple[int, int]:
        return self.body[0], self.body[1]


def split_frame(buf: bytes, min_len: int) -> tuple[Frame | None, int, str | None]:
    """Look for one frame in `buf`. Returns (frame, bytes consumed, problem):
    - (Frame, n, None): a good frame ending at n;
    - (None, n, None): need more bytes (n bytes of leading garbage may be dropped);
    - (None, n, problem): a bad frame ending at n (checksum, length)."""
    start = buf.find(PREAMBLE)
    if start < 0:
        keep = max(0, len(buf) - (len(PREAMBLE) - 1))     # a preamble may be split
        return None, keep, None
    if len(buf) < start + 7:
        return None, start, None
    length = int.from_bytes(buf[start + 5:start + 7], "big")
    if length < min_len or length > MAX_LEN:
        return None, start + 7, f"bad length {length}"
    end = start + 7 + length
    if len(buf) < end:
        return None, start, None
    if xor(buf[start + 5:end]) != 0:
        return None, end, "bad checksum"
    return Frame(bytes(buf[start + 7:end - 1])), end, None


# --- the text block ----------------------------------------------------------------------
def _field(text: bytes, offset: int, size: int) -> str:
    return text[offset:offset + size].decode("utf-16-le", errors="replace").rstrip(" \x00")


def _put(block: bytearray, offset: int, size: int, value: str) -> None:
    raw = (value or "").encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"{value!r} is longer than {size // 2} characters")
    block[offset:offset + size] = raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


# Field layouts (text offset, bytes) per card kind, §5.2 and §6.
LAYOUTS = {
    "resident": {"name": (0, 30), "sex": (30, 2), "nation": (32, 4), "birth": (36, 16),
                 "address": (52, 70), "id_number": (122, 36), "issuer": (158, 30),
                 "valid_from": (188, 16), "valid_to": (204, 16)},
    "hk_mo_tw_permit": {"name": (0, 30), "sex": (30, 2), "birth": (36, 16), "address": (52, 70),
                        "id_number": (122, 36), "issuer": (158, 30), "valid_from": (188, 16),
                        "valid_to": (204, 16), "pass_number": (220, 18), "issue_count": (238, 4)},
    "foreign_permanent_2017": {"english_name": (0, 120), "sex": (120, 2), "id_number": (122, 30),
                               "nationality": (152, 6), "name": (158, 30), "valid_from": (188, 16),
                               "valid_to": (204, 16), "birth": (220, 16), "card_version": (236, 4),
                               "issuer": (240, 8)},
    "foreign_permanent_2023": {"name": (0, 30), "sex": (30, 2), "renewals": (32, 4),
                               "birth": (36, 16), "english_name": (52, 70), "id_number": (122, 36),
                               "valid_from": (188, 16), "valid_to": (204, 16),
                               "english_name_2": (220, 22), "nationality": (242, 6)},
}


def decode_text(text: bytes) -> dict[str, str]:
    """The raw fields of a 256-byte text block, by card kind (raises FrameError)."""
    if len(text) != TEXT_LEN:
        raise FrameError(f"text block of {len(text)} bytes, expected {TEXT_LEN}")
    flag = text[248:250].decode("utf-16-le", errors="replace")
    kind = CARD_TYPES.get(flag)
    if kind is None:
        raise FrameError(f"unknown card type flag {text[248:250].hex()}")
    fields = {k: _field(text, o, n) for k, (o, n) in LAYOUTS[kind].items()}
    fields["card_type"] = kind
    return fields


def encode_text(card: dict) -> bytes:
    """A 256-byte text block from raw fields (the mock's side; `card_type` picks the layout)."""
    kind = card.get("card_type", "resident")
    block = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    for key, (offset, size) in LAYOUTS[kind].items():
        if key in card:
            _put(block, offset, size, str(card[key]))
    _put(block, 248, 2, CARD_FLAGS[kind])
    return bytes(block)


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def valid_id_number(number: str) -> bool:
    return (len(number) == 18 and number[:17].isdigit() and number[17] in "0123456789X"
            and id_check_char(number[:17]) == number[17])


def parse_date(value: str) -> date:
    if len(value) != 8 or not value.isdigit():
        raise FrameError(f"not a YYYYMMDD date: {value!r}")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise FrameError(f"not a calendar date: {value!r}") from None
