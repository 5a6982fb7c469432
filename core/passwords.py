"""The rule for staff passwords: long enough and not a common one (zxcvbn's lists and score)."""
from __future__ import annotations

from zxcvbn import zxcvbn
from zxcvbn.matching import RANKED_DICTIONARIES

from .errors import HallError

MIN_PASSWORD = 10
MIN_SCORE = 2             # zxcvbn's 0–4: below 2 is guessed within about 10⁶ tries
_CHECKED = 100            # zxcvbn slows down on long input; the first 100 characters decide
_COMMON = RANKED_DICTIONARIES["passwords"]     # the 30,000 most used passwords, lower case


def common(password: str) -> bool:
    """On the list of common passwords, as it is or with its trailing digits left off
    ("password123" is "password" with a number)."""
    word = password.lower()
    return word in _COMMON or word.rstrip("0123456789") in _COMMON


def check(password: str, *user_inputs: str) -> None:
    """Raise weak_password unless `password` follows the rule; `user_inputs` (the username,
    the name) count as easy to guess too."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise HallError("weak_password", f"密码至少 {MIN_PASSWORD} 位")
    if common(password):
        raise HallError("weak_password", "这是常见密码,容易被猜中,请换一个")
    inputs = [u for u in user_inputs if u]
    if zxcvbn(password[:_CHECKED], user_inputs=inputs)["score"] < MIN_SCORE:
        raise HallError("weak_password", "密码太容易被猜中(如常见词、键盘顺序、重复字符或用户名),"
                                         "请用更长、更不规则的密码")
