"""A bare Kivy window (one label) with the apps' own settings: prints its RSS and PSS in MB after
its first frames. The floor under the kiosk's memory that the renderer alone sets."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from screens.launch import Display, configure


def process_memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(r.split()[1]) for r in status.splitlines() if r.startswith("VmRSS")) / 1024
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    pss = next(int(r.split()[1]) for r in rollup.splitlines() if r.startswith("Pss:")) / 1024
    return rss, pss


def main() -> None:
    configure(Display(fullscreen=False, size=(1920, 1080), position=(0, 0)),
              Path(tempfile.mkdtemp(prefix="bare-kivy-")))
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.uix.label import Label

    class Bare(App):
        def build(self) -> Label:
            return Label(text="Bonjour", font_size=80)

    def report(_dt: float) -> None:
        rss, pss = process_memory(os.getpid())
        print(f"{rss:.0f} {pss:.0f}", flush=True)
        App.get_running_app().stop()

    Clock.schedule_once(report, 3)
    Bare().run()


if __name__ == "__main__":
    main()
