"""A sealed field opens only with its subject's key, at its own place in the payload."""

from __future__ import annotations

import pytest

from shared.personal.crypto import (
    CannotOpen,
    exchange_key,
    new_key,
    new_key_id,
    open_text,
    seal_text,
    unwrap_key,
    wrap_key,
)

SUBJECT = "ps_" + "c" * 32


def test_a_sealed_field_opens_with_its_key_and_hides_its_text() -> None:
    key = new_key()
    sealed = seal_text("Jan de Vries", key=key, key_id="k1", subject=SUBJECT,
                       path="end_user.name")
    assert set(sealed) == {"$sealed", "subject", "key", "nonce", "ciphertext"}
    assert "Jan" not in str(sealed)
    assert open_text(sealed, key=key, path="end_user.name") == "Jan de Vries"
    again = seal_text("Jan de Vries", key=key, key_id="k1", subject=SUBJECT,
                      path="end_user.name")
    assert again["ciphertext"] != sealed["ciphertext"]  # a fresh nonce each time


def test_a_sealed_value_moved_or_relabelled_does_not_open() -> None:
    key = new_key()
    sealed = seal_text("Jan", key=key, key_id="k1", subject=SUBJECT, path="end_user.name")
    with pytest.raises(CannotOpen):
        open_text(sealed, key=key, path="consignee.name")
    with pytest.raises(CannotOpen):
        open_text({**sealed, "subject": "ps_" + "d" * 32}, key=key, path="end_user.name")
    with pytest.raises(CannotOpen):
        open_text(sealed, key=new_key(), path="end_user.name")
    with pytest.raises(CannotOpen):
        open_text({**sealed, "ciphertext": "not base64!"}, key=key, path="end_user.name")


def test_a_key_is_wrapped_for_the_bucket_under_the_installation_pepper() -> None:
    key, wrapping = new_key(), exchange_key(b"the pepper of this installation")
    entry = wrap_key(key, wrapping=wrapping, name="intake.ps_x.k1")
    assert unwrap_key(entry, wrapping=wrapping, name="intake.ps_x.k1") == key
    with pytest.raises(CannotOpen):
        unwrap_key(entry, wrapping=exchange_key(b"another installation"), name="intake.ps_x.k1")
    with pytest.raises(CannotOpen):
        unwrap_key(entry, wrapping=wrapping, name="intake.ps_y.k1")
    assert len({new_key_id() for _ in range(100)}) == 100
