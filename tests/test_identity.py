"""What the hall keeps of an ID card."""
from __future__ import annotations

from datetime import date

from core import identity


def test_masking_names():
    assert identity.mask_name("张三") == "张*"
    assert identity.mask_name("张小三") == "张*三"
    assert identity.mask_name("欧阳小明") == "欧**明"
    assert identity.mask_name("李") == "李"


def test_age_on_a_birthday():
    born = date(1958, 3, 14)
    assert identity.age_on(born, date(2024, 3, 13)) == 65
    assert identity.age_on(born, date(2024, 3, 14)) == 66


def test_keep_is_all_there_is():
    key = b"k" * 32
    kept = identity.keep("张三", "110101195803140016", date(1958, 3, 14), key, date(2026, 11, 25))
    assert kept == {**kept, "masked_name": "张*", "age_band": "65-74", "senior": True, "age": 68}
    assert "110101" not in str(kept) and len(kept["id_hash"]) == 64
    # Keyed: the same number under another installation's key is another hash.
    other = identity.keep("张三", "110101195803140016", date(1958, 3, 14), b"x" * 32, date(2026, 11, 25))
    assert other["id_hash"] != kept["id_hash"]
    assert identity.keep("张三", "110101195803140016 ", date(1958, 3, 14), key,
                         date(2026, 11, 25))["id_hash"] == kept["id_hash"]


def test_the_hash_key_is_per_installation(hall, store):
    key = store.keys.id_hash_key            # in the key file beside the database (core/keys.py)
    assert key and len(bytes.fromhex(key)) == 32
