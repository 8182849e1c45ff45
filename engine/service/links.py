"""Signed links mailed to applicants. Each is bound to its purpose (the spec's link id is part
of the signature's salt, so a follow link cannot be replayed as a confirmation link) and
expires after the lifetime the workflow declares."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer


class LinkProblem(StrEnum):
    EXPIRED = "expired"
    INVALID = "invalid"


class LinkError(Exception):
    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class LinkSigner:
    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self._serializers: dict[str, URLSafeTimedSerializer] = {}

        class _Signer(TimestampSigner):
            # The instance's clock, so that expiry can be tested without waiting.
            def get_timestamp(self) -> int:
                return int(clock())

        self._signer = _Signer

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        serializer = self._serializers.get(purpose)
        if serializer is None:
            serializer = URLSafeTimedSerializer(
                self.secret, salt=f"onboarding-link:{purpose}", signer=self._signer
            )
            self._serializers[purpose] = serializer
        return serializer

    def sign(self, purpose: str, subject: str) -> str:
        return str(self._serializer(purpose).dumps(subject))

    def read(self, purpose: str, token: str, max_age: timedelta | None) -> str:
        """The subject the link was made for; LinkError when expired or not genuine."""
        subject, _signed_at = self.read_with_time(purpose, token, max_age)
        return subject

    def read_with_time(
        self, purpose: str, token: str, max_age: timedelta | None
    ) -> tuple[str, datetime]:
        """Also returns when the link was made (to refuse a one-time link used already)."""
        if len(token) > 500:
            raise LinkError(LinkProblem.INVALID)
        seconds = None if max_age is None else int(max_age.total_seconds())
        try:
            subject, signed_at = self._serializer(purpose).loads(
                token, max_age=seconds, return_timestamp=True
            )
        except SignatureExpired as error:
            raise LinkError(LinkProblem.EXPIRED) from error
        except BadSignature as error:
            raise LinkError(LinkProblem.INVALID) from error
        if not isinstance(subject, str):
            raise LinkError(LinkProblem.INVALID)
        return subject, signed_at

    def subject_unchecked(self, purpose: str, token: str) -> str:
        """The subject of a genuine link, before its age is checked: the lifetime depends on
        the workflow of the request the link names."""
        return self.read(purpose, token, None)
