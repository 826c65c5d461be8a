"""What the tests' own helper processes need from the machine."""

import os


def real_time_environment(**extra: str) -> dict[str, str]:
    """This process's environment without libfaketime, plus ``extra``.

    The suite can run under libfaketime (tests/dates.py). Some helper processes cannot: a
    gunicorn master takes its workers for hung when the file times its heartbeat writes come
    back unfaked, and a database server keeps its own files. They run on the machine's time;
    a server of the portal gets the tests' moment through ``PORTAL_CLOCK`` instead."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("FAKETIME") and not (name == "LD_PRELOAD" and "faketime" in value)
    }
    return {**environment, **extra}
