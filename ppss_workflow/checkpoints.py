"""Signed checkpoints: the head of the chain signed with an Ed25519 key kept outside the store.

A hash chain shows that nothing *inside* it was changed, but not that its end was cut off, nor
that a history was edited and hashed again from there on. A checkpoint is the head (position,
hash, when) signed with a private key the store never holds: whoever can write the database
cannot forge one. ``ppss audit verify --public-key`` then checks every checkpoint: its
signature, that the store still reaches its position, and that the event there still carries
the hash that was signed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from ppss_workflow.codec import canonical_json
from ppss_workflow.db import WRITE, checkpoints, iso_utc
from ppss_workflow.errors import (
    AUDIT_CHECKPOINT_CUT,
    AUDIT_CHECKPOINT_FORGED,
    AUDIT_CHECKPOINT_OTHER_KEY,
    AUDIT_CHECKPOINT_REWRITTEN,
    AUDIT_NO_CHECKPOINT,
    CHECKPOINT_NOT_IN_STORE,
    KEY_CANNOT_READ,
    KEY_EXISTS,
    KEY_NOT_ED25519,
    KEY_NOT_PEM,
    KEY_PUBLIC_BAD,
    NO_SUCH_FOLDER,
    ConfigurationError,
    InvalidCommand,
    Told,
)
from ppss_workflow.logs import get_logger
from ppss_workflow.store import EventStore

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

# cryptography is imported where keys are made, read or checked: a board that reads the
# checkpoints (often none) does not load it.

__all__ = [
    "Checkpoint",
    "UnsignedTail",
    "check_checkpoints",
    "generate_key",
    "key_hex",
    "load_private_key",
    "load_public_key",
    "read_checkpoints",
    "sign_head",
    "signature_problem",
    "unsigned_tail",
]

_log = get_logger(__name__)
_PURPOSE = "ppss-workflow checkpoint v1"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A head as signed: position, hash, when, by which key (hex), and the signature (hex)."""

    position: int
    hash: str
    signed_at: datetime
    public_key: str
    signature: str

    def message(self) -> bytes:
        return signed_message(self.position, self.hash, self.signed_at)


def signed_message(position: int, hash_: str, signed_at: datetime) -> bytes:
    """The exact bytes a checkpoint signs: canonical JSON, one meaning only."""
    body = {"purpose": _PURPOSE, "position": position, "hash": hash_,
            "signed_at": iso_utc(signed_at)}  # fmt: skip
    return canonical_json(body).encode()


# -- keys ---------------------------------------------------------------------------------


def generate_key(path: Path) -> str:
    """Write a new private key to ``path`` (PEM, readable by its owner only) and its public
    key, hex, to ``path.pub``; returns the public key. Never replaces a file."""
    public_path = path.with_name(path.name + ".pub")
    for target in (path, public_path):
        if target.exists() or target.is_symlink():
            raise InvalidCommand(
                f"{target} exists: choose a new path (a key is never replaced)",
                reason=KEY_EXISTS(path=str(target)),
            )
    if not path.parent.is_dir():
        raise InvalidCommand(
            f"there is no folder {path.parent}", reason=NO_SUCH_FOLDER(folder=str(path.parent))
        )
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    public = key_hex(key.public_key())
    public_path.write_text(public + "\n", encoding="ascii")
    return public


def load_private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the key {path}: {exc.strerror or exc}",
            reason=KEY_CANNOT_READ(path=str(path), cause=str(exc.strerror or exc)),
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigurationError(
            f"{path} is not a private key in PEM form: make one with `ppss audit keygen`",
            reason=KEY_NOT_PEM(path=str(path)),
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(
            f"{path} is not an Ed25519 key: make one with `ppss audit keygen`",
            reason=KEY_NOT_ED25519(path=str(path)),
        )
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key given as its 64 hex digits, or as the path of a file holding them."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PublicKey,
    )

    value = text.strip()
    candidate = Path(value)
    if len(value) != 64 and candidate.is_file():
        value = candidate.read_text(encoding="ascii", errors="replace").strip()
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))
    except ValueError:
        raise ConfigurationError(
            f"--public-key {text!r}: give the 64 hex digits `ppss audit keygen` printed, or "
            "the .pub file it wrote",
            reason=KEY_PUBLIC_BAD(typed=text),
        ) from None


def signature_problem(cp: Checkpoint, public_key: Ed25519PublicKey | None = None) -> str | None:
    """Why ``cp``'s signature does not hold (None if it does): checked with ``public_key``
    when given, else with the key the checkpoint names (which proves only that the
    checkpoint was not altered after signing, not who signed it)."""
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PublicKey,
    )

    when = cp.signed_at.strftime("%Y-%m-%d %H:%M UTC")
    try:
        key = public_key or Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp.public_key))
        key.verify(bytes.fromhex(cp.signature), cp.message())
    except (InvalidSignature, ValueError):
        named = public_key is not None and cp.public_key != key_hex(public_key)
        return (
            f"the checkpoint at position {cp.position} ({when}) is not signed by "
            f"{'this' if public_key is not None else 'the'} key"
            f"{' (it names another key)' if named else ''}: it was forged or altered"
        )
    return None


def key_hex(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


# -- signing and checking -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnsignedTail:
    """The rows after the last signed checkpoint: how many, and their first and last
    positions (``after``: the last signed position, 0 when none is signed)."""

    count: int
    first: int
    last: int
    after: int


def unsigned_tail(signed_positions: Iterable[int], head_position: int) -> UnsignedTail | None:
    """The rows after the newest signed checkpoint up to ``head_position``; None when the
    head itself is signed (or there are no rows)."""
    after = max(signed_positions, default=0)
    if head_position <= after:
        return None
    return UnsignedTail(head_position - after, after + 1, head_position, after)


def sign_head(
    store: EventStore, key: Ed25519PrivateKey, now: datetime, at: tuple[int, str] | None = None
) -> tuple[Checkpoint, bool]:
    """Sign the store's head (or ``at``: a position and its hash, such as the head an export
    writes); (the checkpoint, True if it was new). A head signed before is not signed again."""
    if at is None:
        head = store.head()
        position, digest = head.position, head.hash
    else:
        position, digest = at
        row = store.find(position=position) if position else None
        if row is None or row.hash != digest:
            raise InvalidCommand(
                f"position {position} is not in the store with that hash",
                reason=CHECKPOINT_NOT_IN_STORE(position=position),
            )
    if position == 0:
        raise InvalidCommand("the store is empty: there is no head to sign yet")
    with store.engine.connect() as conn:
        conn.execution_options(**WRITE)
        with conn.begin():
            found = conn.execute(
                select(checkpoints).where(checkpoints.c.position == position)
            ).first()
            if found is not None:
                return _from_row(found), False
            checkpoint = Checkpoint(
                position, digest, now, key_hex(key.public_key()),
                key.sign(signed_message(position, digest, now)).hex(),
            )  # fmt: skip
            conn.execute(
                insert(checkpoints).values(
                    position=checkpoint.position, hash=checkpoint.hash,
                    signed_at=checkpoint.signed_at, public_key=checkpoint.public_key,
                    signature=checkpoint.signature,
                )
            )  # fmt: skip
    _log.info("audit_checkpoint_signed", position=position, hash=digest)
    return checkpoint, True


def read_checkpoints(store: EventStore) -> list[Checkpoint]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(checkpoints).order_by(checkpoints.c.position)).all()
    return [_from_row(r) for r in rows]


def _from_row(row: Any) -> Checkpoint:
    return Checkpoint(row.position, row.hash, row.signed_at, row.public_key, row.signature)


def check_checkpoints(
    store: EventStore, public_key: Ed25519PublicKey, head_position: int
) -> tuple[list[Checkpoint], str | None]:
    """Every checkpoint against the key and the store (whose chain was verified up to
    ``head_position``): (the checkpoints, the first problem found, in one line, or None)."""
    found = read_checkpoints(store)
    if not found:
        return found, Told(
            "the store holds no signed checkpoint: sign one with `ppss audit checkpoint`, "
            "or verify without --public-key",
            AUDIT_NO_CHECKPOINT(),
        )
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415

    expected = key_hex(public_key)
    for cp in found:
        when = cp.signed_at.strftime("%Y-%m-%d %H:%M UTC")
        try:
            public_key.verify(bytes.fromhex(cp.signature), cp.message())
        except (InvalidSignature, ValueError):
            who = "" if cp.public_key == expected else " (it names another key)"
            forged = AUDIT_CHECKPOINT_FORGED if not who else AUDIT_CHECKPOINT_OTHER_KEY
            return found, Told(
                f"the checkpoint at position {cp.position} ({when}) is not signed by this "
                f"key{who}: it was forged or altered",
                forged(position=cp.position, when=when),
            )
        if cp.position > head_position:
            return found, Told(
                f"the store ends at position {head_position}, before position {cp.position} "
                f"signed on {when}: its end was cut off",
                AUDIT_CHECKPOINT_CUT(head=head_position, position=cp.position, when=when),
            )
        row = store.find(position=cp.position)
        if row is None or row.hash != cp.hash:
            return found, Told(
                f"the event at position {cp.position} is not the one signed on {when}: the "
                "history up to it was rewritten and hashed again",
                AUDIT_CHECKPOINT_REWRITTEN(position=cp.position, when=when),
            )
    return found, None
