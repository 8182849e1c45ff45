"""The load test's mail server: an aiosmtpd server in a process of its own that accepts every
mail and records it twice, so that applicants can find their links and the run can count:

- `received.jsonl`: one line per mail accepted (Message-ID, template, recipients), in order;
- `boxes/<recipient>/<n>.eml`: each mail in the box of each of its recipients, written under a
  temporary name then renamed, so a reader never sees half a mail.

    python bench/load/smtp_sink.py --port 2525 --folder var/load/mail

It prints `ready` once it listens, and stops on SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from inbox import box_of


class Recorder:
    """aiosmtpd's handler: every mail accepted is written before the server answers 250."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.boxes = folder / "boxes"
        self.boxes.mkdir(parents=True, exist_ok=True)
        self.journal = (folder / "received.jsonl").open("a", encoding="utf-8")
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.content
        message = message_from_bytes(content, policy=policy.default)
        self.count += 1
        line = {
            "message_id": str(message["Message-ID"] or ""),
            "template": str(message["X-Onboarding-Template"] or ""),
            "recipients": [str(address).lower() for address in envelope.rcpt_tos],
        }
        for address in line["recipients"]:
            box = box_of(self.boxes, address)
            box.mkdir(parents=True, exist_ok=True)
            partial = box / f".{self.count}.part"
            partial.write_bytes(content)
            partial.rename(box / f"{self.count:06d}.eml")
        self.journal.write(json.dumps(line) + "\n")
        self.journal.flush()
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    arguments = parser.parse_args()
    recorder = Recorder(arguments.folder)
    controller = Controller(recorder, hostname="127.0.0.1", port=arguments.port)
    controller.start()
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    recorder.journal.close()


if __name__ == "__main__":
    main()
