"""A real SMTP server on localhost for tests (aiosmtpd), counting what it receives."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """Everything the server accepted, parsed. ``quit_reply``: what it answers to QUIT;
    ``delay``: seconds it takes over each message (a slow server), counting how many it was
    taking at once (``most_at_once``)."""

    def __init__(
        self, quit_reply: str | None = None, rcpt_reply: str | None = None, delay: float = 0.0
    ) -> None:
        self.messages: list[Message] = []
        #: Each message's bytes as the server received them (for a stricter parser).
        self.raw: list[bytes] = []
        self.quit_reply = quit_reply
        self.rcpt_reply = rcpt_reply
        self.delay = delay
        self.at_once = 0
        self.most_at_once = 0

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Refuse any recipient but a coordinator's (example.org), as ``rcpt_reply`` says."""
        if self.rcpt_reply and not address.startswith("samordnare@"):
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        return self.quit_reply or "221 Bye"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        if self.delay:
            self.at_once += 1  # one event loop: no lock needed
            self.most_at_once = max(self.most_at_once, self.at_once)
            try:
                await asyncio.sleep(self.delay)
            finally:
                self.at_once -= 1
        self.raw.append(bytes(raw))
        self.messages.append(message_from_bytes(raw, policy=policy.default))
        return "250 OK"

    def keys(self) -> list[str]:
        """The reminder keys received: each digest's list (X-PPSS-Reminder-Keys), or a
        single message's own key."""
        found: list[str] = []
        for m in self.messages:
            listed = m["X-PPSS-Reminder-Keys"]
            found += str(listed).split() if listed else [str(m["X-PPSS-Reminder-Key"]).strip()]
        return sorted(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def smtp_server(
    port: int | None = None,
    *,
    quit_reply: str | None = None,
    rcpt_reply: str | None = None,
    delay: float = 0.0,
) -> Iterator[tuple[Inbox, int]]:
    """Start a local SMTP server; yields its inbox and port; stops it afterwards."""
    inbox = Inbox(quit_reply, rcpt_reply, delay)
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
