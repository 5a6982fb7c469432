"""What the hall keeps of an ID card: a masked name, an age band and a keyed hash of the number.

The full number, the address and the photo never leave this module's callers' memory: they are
not stored, not logged and not returned.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date

AGE_BANDS = ((0, 17, "0-17"), (18, 29, "18-29"), (30, 44, "30-44"), (45, 59, "45-59"),
             (60, 64, "60-64"), (65, 74, "65-74"), (75, 200, "75+"))


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明 (the middle hidden, as halls show names)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_band(age: int) -> str:
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "75+"


def id_hash(key: bytes, id_number: str) -> str:
    """HMAC-SHA256 of the normalised ID number: the same person links across visits, the number
    cannot be recovered without the hall's key."""
    normal = id_number.strip().upper().encode("ascii", "replace")
    return hmac.new(key, normal, hashlib.sha256).hexdigest()


def keep(name: str, id_number: str, birth_date: date, key: bytes, today: date,
         senior_age: int = 65) -> dict:
    """All the hall may keep of a card: masked name, age band, senior or not, keyed hash."""
    age = age_on(birth_date, today)
    return {"masked_name": mask_name(name), "age_band": age_band(age),
            "senior": age >= senior_age, "id_hash": id_hash(key, id_number), "age": age}


def normalise_contact(raw: str) -> str | None:
    """A phone number a customer gave for a call-back: a mobile (11 digits, 1[3-9]…) or a fixed
    line with its area code (010-12345678). None when it is neither."""
    digits = "".join(ch for ch in (raw or "") if ch in "0123456789")   # not ²/１: isdigit() takes them
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return digits
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area = 3 if digits[1] in "12" else 4        # 010, 02x: three digits; others four
        return f"{digits[:area]}-{digits[area:]}"
    return None


def mask_contact(contact: str | None) -> str | None:
    """138****5678: kept once a follow-up is answered, when the full number is no longer needed."""
    if not contact:
        return contact
    return contact[:3] + "****" + contact[-4:] if len(contact) >= 8 else "****"
