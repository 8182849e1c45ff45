"""A fake Moodle that speaks the web-service protocol as Moodle does, for the tests: an ASGI
app served by uvicorn on 127.0.0.1, with its state open to the tests.

What it reproduces: POST to /webservice/rest/server.php with `wstoken`, `wsfunction` and
`moodlewsrestformat=json`; parameters in PHP's bracket notation (parsed back into nested
values); the token checked, then the function against the token's service allow-list; errors
with HTTP 200 and `{"exception", "errorcode", "message"}`; `null` answers of the functions that
return nothing; usernames lower case and unique, emails unique (unless the site allows
duplicates), the password policy or `createpassword`; enrolment only in a course with a manual
enrolment instance and with an assignable role; group members only among the enrolled; every
batch all or nothing."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.requests import Request

from tests.serving import free_port

ENDPOINT = "/webservice/rest/server.php"
FUNCTIONS = frozenset(
    {
        "core_user_get_users_by_field",
        "core_user_create_users",
        "core_course_get_courses_by_field",
        "enrol_manual_enrol_users",
        "core_group_get_course_groups",
        "core_group_add_group_members",
    }
)
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class MoodleError(Exception):
    def __init__(self, exception: str, errorcode: str, message: str) -> None:
        super().__init__(message)
        self.body = {"exception": exception, "errorcode": errorcode, "message": message}


def missing_course() -> MoodleError:
    return MoodleError(
        "dml_missing_record_exception",
        "invalidrecord",
        "Can't find data record in database table course.",
    )


def invalid(message: str) -> MoodleError:
    return MoodleError("invalid_parameter_exception", "invalidparameter", message)


def parse_brackets(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`users[0][email]=a` back into `{"users": [{"email": "a"}]}`, as PHP reads it."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        match = _KEY.match(name)
        if match is None:
            raise invalid(f"Invalid parameter name {name}")
        keys = [match[1], *re.findall(r"\[([^\[\]]*)\]", match[2])]
        node: dict[str, Any] = root
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise invalid(f"Invalid parameter structure {name}")
        node[keys[-1]] = value
    return {k: _lists(v) for k, v in root.items()}


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        if value and all(k.isdigit() for k in value):
            return [_lists(value[k]) for k in sorted(value, key=int)]
        return {k: _lists(v) for k, v in value.items()}
    return value


@dataclass
class Course:
    id: int
    shortname: str
    fullname: str
    idnumber: str = ""
    startdate: int = 0
    enddate: int = 0
    manual_enrolment: bool = True


@dataclass
class FakeMoodleState:
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    courses: dict[int, Course] = field(default_factory=dict)
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    # (user id, course id) -> role id
    enrolments: dict[tuple[int, int], int] = field(default_factory=dict)
    members: set[tuple[int, int]] = field(default_factory=set)  # (group id, user id)
    # The mails Moodle sends itself (the generated password of `createpassword`).
    mails: list[dict[str, str]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    assignable_roles: frozenset[int] = frozenset({5})
    allow_same_email: bool = False
    # Faults the next calls meet: a callable given the function, that may raise or return an
    # (HTTP status, body) to answer instead; removed once used.
    faults: list[Callable[[str], tuple[int, bytes] | None]] = field(default_factory=list)
    next_id: int = 100

    def __post_init__(self) -> None:
        # Every Moodle has its front page as the course of id 1 (format "site"): listed by
        # core_course_get_courses_by_field with no field, never a place to enrol anyone.
        self.courses.setdefault(1, Course(1, "moodle", "Moodle", manual_enrolment=False))

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_course(self, shortname: str, idnumber: str = "", **kw: Any) -> Course:
        course = Course(self.new_id(), shortname, kw.pop("fullname", shortname), idnumber, **kw)
        self.courses[course.id] = course
        return course

    def add_user(self, username: str, email: str, **kw: Any) -> dict[str, Any]:
        user = {
            "id": self.new_id(),
            "username": username,
            "email": email,
            "firstname": kw.get("firstname", ""),
            "lastname": kw.get("lastname", ""),
            "auth": "manual",
        }
        self.users[user["id"]] = user
        return user

    def add_group(self, course: Course, name: str, idnumber: str = "") -> dict[str, Any]:
        group = {"id": self.new_id(), "courseid": course.id, "name": name, "idnumber": idnumber}
        self.groups[group["id"]] = group
        return group

    def calls_of(self, function: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == function]


_POLICY = [
    (re.compile(r".{8,}"), "Passwords must be at least 8 characters long."),
    (re.compile(r"\d"), "Passwords must have at least 1 digit(s)."),
    (re.compile(r"[a-z]"), "Passwords must have at least 1 lower case letter(s)."),
    (re.compile(r"[A-Z]"), "Passwords must have at least 1 upper case letter(s)."),
    (re.compile(r"[^A-Za-z0-9]"), "The password must have at least 1 special character(s)."),
]
_USERNAME = re.compile(r"^[a-z0-9_\-.@]+$")


class FakeMoodle:
    """The ASGI app; `state` is what the tests read and arrange."""

    def __init__(self, state: FakeMoodleState | None = None) -> None:
        self.state = state or FakeMoodleState()
        self.lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = await Request(scope, receive).body()
        if scope["path"] != ENDPOINT or scope["method"] != "POST":
            status, payload = 404, b"<html>Not found</html>"
        else:
            query = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
            pairs = query + parse_qsl(body.decode(), keep_blank_values=True)
            with self.lock:
                status, payload = self.answer(pairs)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def answer(self, pairs: list[tuple[str, str]]) -> tuple[int, bytes]:
        fields = dict(pairs)
        function = fields.get("wsfunction", "")
        try:
            if fields.get("moodlewsrestformat") != "json":
                raise invalid("moodlewsrestformat must be json in these tests")
            allowed = self.state.tokens.get(fields.get("wstoken", ""))
            if allowed is None:
                raise MoodleError(
                    "moodle_exception", "invalidtoken", "Invalid token - token not found"
                )
            if function not in allowed:
                raise MoodleError(
                    "webservice_access_exception", "accessexception", "Access control exception"
                )
            if self.state.faults:
                fault = self.state.faults.pop(0)
                replaced = fault(function)
                if replaced is not None:
                    return replaced
            params = parse_brackets(
                [
                    (k, v)
                    for k, v in pairs
                    if k not in ("wstoken", "wsfunction", "moodlewsrestformat")
                ]
            )
            self.state.calls.append((function, params))
            result = getattr(self, function)(params)
            answer = self.after_success(function, result)
        except MoodleError as error:
            return 200, json.dumps(error.body).encode()
        return 200, json.dumps(answer).encode()

    def after_success(self, function: str, result: Any) -> Any:
        return result

    # -- functions -------------------------------------------------------------------------------

    def core_user_get_users_by_field(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        field_name = params.get("field")
        if field_name not in ("id", "idnumber", "username", "email"):
            raise invalid("Invalid parameter value detected (field)")
        values = params.get("values")
        if not isinstance(values, list):
            raise invalid("Invalid parameter value detected (values)")
        wanted = {str(v).lower() for v in values}
        return [
            dict(u)
            for u in self.state.users.values()
            if str(u.get(field_name, "")).lower() in wanted
        ]

    def core_user_create_users(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        users = params.get("users")
        if not isinstance(users, list) or not users:
            raise invalid("Invalid parameter value detected (users)")
        usernames = {u["username"] for u in self.state.users.values()}
        emails = {u["email"].lower() for u in self.state.users.values()}
        for user in users:  # every check before any creation: all or nothing
            for key in ("username", "firstname", "lastname", "email"):
                if not user.get(key):
                    raise invalid(f"Missing required key in single structure: {key}")
            username = user["username"]
            if username != username.lower():
                raise invalid("The username must be in lower case")
            if not _USERNAME.match(username):
                raise invalid("The username can only contain alphanumeric lowercase characters")
            if username in usernames:
                raise invalid(f"Username already exists: {username}")
            if "@" not in user["email"]:
                raise invalid(f"Email address is invalid: {user['email']}")
            if not self.state.allow_same_email and user["email"].lower() in emails:
                raise invalid(f"Email address already exists: {user['email']}")
            if user.get("createpassword") not in ("1", "true"):
                password = user.get("password", "")
                for rule, message in _POLICY:
                    if not rule.search(password):
                        raise invalid(message)
            usernames.add(username)
            emails.add(user["email"].lower())
        created = []
        for user in users:
            row = self.state.add_user(
                user["username"],
                user["email"],
                firstname=user["firstname"],
                lastname=user["lastname"],
            )
            if user.get("createpassword") in ("1", "true"):
                self.state.mails.append({"to": user["email"], "username": user["username"]})
            created.append({"id": row["id"], "username": row["username"]})
        return created

    def core_course_get_courses_by_field(self, params: dict[str, Any]) -> dict[str, Any]:
        field_name = params.get("field", "")
        value = str(params.get("value", ""))
        if field_name not in ("", "id", "ids", "shortname", "idnumber", "category"):
            raise invalid("Invalid parameter value detected (field)")
        courses = sorted(self.state.courses.values(), key=lambda c: c.id)
        if field_name in ("ids", "id"):
            wanted = {v.strip() for v in value.split(",")}
            courses = [c for c in courses if str(c.id) in wanted]
        elif field_name:
            courses = [c for c in courses if str(getattr(c, field_name, "")) == value]
        return {
            "courses": [
                {
                    "id": c.id,
                    "shortname": c.shortname,
                    "fullname": c.fullname,
                    "displayname": c.fullname,
                    "idnumber": c.idnumber,
                    "startdate": c.startdate,
                    "enddate": c.enddate,
                    "visible": 1,
                    "categoryid": 0 if c.id == 1 else 1,
                    "format": "site" if c.id == 1 else "topics",
                }
                for c in courses
            ],
            "warnings": [],
        }

    def enrol_manual_enrol_users(self, params: dict[str, Any]) -> None:
        enrolments = params.get("enrolments")
        if not isinstance(enrolments, list) or not enrolments:
            raise invalid("Invalid parameter value detected (enrolments)")
        planned = []
        for item in enrolments:
            try:
                user_id, course_id, role_id = (
                    int(item["userid"]),
                    int(item["courseid"]),
                    int(item["roleid"]),
                )
            except (KeyError, ValueError):
                raise invalid("Invalid parameter value detected (enrolments)") from None
            course = self.state.courses.get(course_id)
            if course is None:
                raise MoodleError(
                    "dml_missing_record_exception",
                    "invalidrecord",
                    "Can't find data record in database table course.",
                )
            if not course.manual_enrolment:
                raise MoodleError(
                    "moodle_exception",
                    "wsnoinstance",
                    "Manual enrolment plugin instance doesn't exist or is disabled for the course",
                )
            if role_id not in self.state.assignable_roles:
                raise MoodleError(
                    "moodle_exception",
                    "wsusercannotassign",
                    "You don't have the permission to assign this role",
                )
            if user_id not in self.state.users:
                raise invalid("Invalid parameter value detected (userid)")
            planned.append(((user_id, course_id), role_id))
        for key, role_id in planned:
            self.state.enrolments[key] = role_id
        return None

    def core_group_get_course_groups(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        course_id = int(params.get("courseid", 0))
        if course_id not in self.state.courses:
            raise MoodleError(
                "dml_missing_record_exception",
                "invalidrecord",
                "Can't find data record in database table course.",
            )
        return [dict(g) for g in self.state.groups.values() if g["courseid"] == course_id]

    def core_group_add_group_members(self, params: dict[str, Any]) -> None:
        members = params.get("members")
        if not isinstance(members, list) or not members:
            raise invalid("Invalid parameter value detected (members)")
        planned = []
        for item in members:
            group = self.state.groups.get(int(item.get("groupid", 0)))
            user_id = int(item.get("userid", 0))
            if group is None:
                raise invalid("Invalid parameter value detected (groupid)")
            if (user_id, group["courseid"]) not in self.state.enrolments:
                raise MoodleError(
                    "moodle_exception",
                    "userisnotenrolled",
                    "Only enrolled users may be members of groups",
                )
            planned.append((group["id"], user_id))
        self.state.members.update(planned)
        return None


class ServedMoodle:
    """The fake Moodle served by uvicorn in a thread, on a port it keeps across a stop and a
    start (Moodle down, then back)."""

    def __init__(self, app: FakeMoodle | None = None) -> None:
        self.app = app or FakeMoodle()
        self.port = free_port()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def state(self) -> FakeMoodleState:
        return self.app.state

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise AssertionError("the fake Moodle did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
        self.server = None
