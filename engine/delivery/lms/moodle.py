"""The Moodle connector: Moodle's REST web services, as Moodle speaks them.

Every call is a POST to `<site>/webservice/rest/server.php` with the token (`wstoken`), the
function (`wsfunction`) and `moodlewsrestformat=json`, its parameters in PHP's bracket notation
(`users[0][email]=...`). Moodle reports errors with HTTP 200 and a body
`{"exception", "errorcode", "message"}`; some functions answer `null`. The token travels in
the body (never in an address a proxy could log) and is never part of an error's text.

The HTTP client is the standard library's (`urllib.request`): the worker that makes these calls
runs in a thread of its own and makes one call at a time, so a blocking client is all it
needs, and the product gains no dependency for it.

Accounts are created with `createpassword=1`: Moodle generates the password and mails it to
the account's owner itself; the product never sees it, and its own mail only gives the
username and where to set or reset the password (decision 0009).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from pydantic import SecretStr

from .platform import PlatformCourse, PlatformError, PlatformGroup, PlatformUser

ENDPOINT = "/webservice/rest/server.php"

# Error codes worth trying again later: the site is in maintenance or its database is away.
TEMPORARY_CODES = frozenset({"sitemaintenance", "dbconnectionfailed", "dmlreadexception"})
# Error codes that say the connection itself is wrong: a message that points at the settings.
CONFIGURATION_CODES = {
    "invalidtoken": "the platform refused the token (check ONBOARDING_LMS_TOKEN)",
    "accessexception": "the token's web service may not call this function",
    "servicenotavailable": "the web service is disabled on the platform",
    "enablewsdescription": "web services are disabled on the platform",
}


def bracket_pairs(params: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Parameters flattened the way PHP reads them: `{"users": [{"email": "a"}]}` gives
    `("users[0][email]", "a")`; booleans are 1 or 0."""
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from bracket_pairs(value, name)
        elif isinstance(value, list | tuple):
            yield from bracket_pairs(dict(enumerate(value)), name)
        elif isinstance(value, bool):
            yield name, "1" if value else "0"
        elif value is None:
            continue
        else:
            yield name, str(value)


Opener = Callable[[urllib.request.Request, float], Any]


def _open(request: urllib.request.Request, timeout: float) -> Any:
    return urllib.request.urlopen(request, timeout=timeout)


class MoodleClient:
    def __init__(
        self, url: str, token: SecretStr, *, timeout: float = 20.0, opener: Opener = _open
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._opener = opener

    def __repr__(self) -> str:  # never the token
        return f"MoodleClient({self.url!r})"

    def call(self, function: str, params: Mapping[str, Any] | None = None) -> Any:
        fields = [
            ("wstoken", self._token.get_secret_value()),
            ("wsfunction", function),
            ("moodlewsrestformat", "json"),
            *bracket_pairs(params or {}),
        ]
        request = urllib.request.Request(
            self.url + ENDPOINT,
            data=urlencode(fields).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with self._opener(request, self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            temporary = error.code >= 500 or error.code in (408, 429)
            raise PlatformError(
                f"{function}: the platform answered HTTP {error.code}", temporary=temporary
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise PlatformError(
                f"{function}: the platform could not be reached ({reason.__class__.__name__})",
                temporary=True,
            ) from None
        except OSError as error:
            raise PlatformError(
                f"{function}: the platform could not be reached ({error.__class__.__name__})",
                temporary=True,
            ) from None
        try:
            answer = json.loads(body) if body.strip() else None
        except ValueError:
            # A maintenance page, a proxy's error page: not the web service answering.
            raise PlatformError(
                f"{function}: the platform's answer is not JSON", temporary=True
            ) from None
        if isinstance(answer, dict) and "exception" in answer and "errorcode" in answer:
            raise self._error(function, answer)
        return answer

    def _error(self, function: str, answer: Mapping[str, Any]) -> PlatformError:
        code = str(answer.get("errorcode") or "")
        message = str(answer.get("message") or "").replace(self._token.get_secret_value(), "***")
        if code in CONFIGURATION_CODES:
            text = f"{function}: {CONFIGURATION_CODES[code]} ({code})"
        else:
            text = f"{function}: {message[:500]} ({code})"
        return PlatformError(text, temporary=code in TEMPORARY_CODES, code=code)


def _user(data: Mapping[str, Any]) -> PlatformUser:
    return PlatformUser(int(data["id"]), str(data.get("username") or ""), str(data.get("email")))


def _course(data: Mapping[str, Any]) -> PlatformCourse:
    return PlatformCourse(
        id=int(data["id"]),
        shortname=str(data.get("shortname") or ""),
        fullname=str(data.get("fullname") or data.get("displayname") or ""),
        idnumber=str(data.get("idnumber") or ""),
        starts_at=int(data["startdate"]) if data.get("startdate") else None,
        ends_at=int(data["enddate"]) if data.get("enddate") else None,
        extra={"visible": data.get("visible", 1)},
    )


def username_for(email: str) -> str:
    """Moodle's usernames are lower case; an email address is a valid one."""
    return email.strip().lower()


class MoodlePlatform:
    """`LearningPlatform` on Moodle's web services."""

    def __init__(self, client: MoodleClient) -> None:
        self.client = client

    def find_user(self, email: str) -> PlatformUser | None:
        found = self.client.call(
            "core_user_get_users_by_field", {"field": "email", "values": [email.strip()]}
        )
        users = [u for u in found or [] if isinstance(u, Mapping)]
        return _user(users[0]) if users else None

    def create_user(self, email: str, first_name: str, last_name: str) -> PlatformUser:
        user = {
            "username": username_for(email),
            "email": email.strip(),
            "firstname": first_name or "-",
            "lastname": last_name or "-",
            "auth": "manual",
            "createpassword": 1,
        }
        created = self.client.call("core_user_create_users", {"users": [user]})
        if not created or not isinstance(created, list):
            raise PlatformError("core_user_create_users: empty answer", temporary=True)
        return PlatformUser(int(created[0]["id"]), str(created[0]["username"]), email.strip())

    def _courses_by(self, field: str, value: str) -> list[PlatformCourse]:
        answer = self.client.call(
            "core_course_get_courses_by_field", {"field": field, "value": value}
        )
        courses = (answer or {}).get("courses") or [] if isinstance(answer, dict) else []
        return [_course(c) for c in courses]

    def find_course(self, key: str) -> PlatformCourse | None:
        for field in ("idnumber", "shortname"):
            found = self._courses_by(field, key)
            if found:
                return found[0]
        return None

    def courses(self) -> list[PlatformCourse]:
        # With no field, the function answers every course the token may see (the site's
        # front page, id 1, included: it is left out).
        return [c for c in self._courses_by("", "") if c.id != 1]

    def enrol(self, user_id: int, course_id: int, role_id: int) -> None:
        self.client.call(
            "enrol_manual_enrol_users",
            {"enrolments": [{"roleid": role_id, "userid": user_id, "courseid": course_id}]},
        )

    def groups(self, course_id: int) -> list[PlatformGroup]:
        found = self.client.call("core_group_get_course_groups", {"courseid": course_id})
        return [
            PlatformGroup(int(g["id"]), str(g.get("name") or ""), str(g.get("idnumber") or ""))
            for g in found or []
        ]

    def add_to_group(self, group_id: int, user_id: int) -> None:
        self.client.call(
            "core_group_add_group_members", {"members": [{"groupid": group_id, "userid": user_id}]}
        )

    def password_help_url(self) -> str:
        return f"{self.client.url}/login/forgot_password.php"
