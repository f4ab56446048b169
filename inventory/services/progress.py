"""Progress of a long run (a sync, a check run), written to its row for pages that poll it."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The reporter's clock, read at each call. Tests that count queries replace it with one they
# control (``tests.conftest.progress_clock``): counts within a phase are written at most once a
# second of this clock, so with the real one the number of writes depends on the machine's speed.
clock = time.monotonic


class ProgressReporter:
    """Call with what is being done and how far; writes ``progress`` to the run's row.

    The row's ``progress`` JSON is ``{"what": "VMs", "done": 1200, "total": null}``. Writes go
    out in autocommit, so call it outside the run's final transaction. Call it from the thread
    that owns the database connection (connectors report from their main thread).
    """

    def __init__(self, model: type[models.Model], pk: Any, every: float = 1.0) -> None:
        self.model, self.pk, self.every = model, pk, every
        self._last = float("-inf")
        self._what = ""

    def __call__(self, what: str, done: int, total: int | None = None, *, now: bool = False):
        moment = clock()
        # A new phase is shown at once; counts within a phase at most every ``every`` s.
        if not now and what == self._what and moment - self._last < self.every:
            return
        self._last, self._what = moment, what
        progress = {"what": what, "done": done, "total": total}
        self.model.objects.filter(pk=self.pk).update(progress=progress)


# What the connectors and check runs report, as users read it.
_WHAT = {  # lazy: looked up in the request's language
    "clusters": gettext_lazy("reading clusters"),
    "hosts": gettext_lazy("reading hosts"),
    "nodes": gettext_lazy("reading nodes"),
    "datastores": gettext_lazy("reading datastores"),
    "switches": gettext_lazy("reading switches"),
    "port groups": gettext_lazy("reading port groups"),
    "VMs": gettext_lazy("reading VMs"),
    "guests": gettext_lazy("reading guests"),
    "writing": gettext_lazy("writing the inventory"),
    "loading": gettext_lazy("loading the inventory"),
    "checks": gettext_lazy("running checks"),
    "recording": gettext_lazy("recording findings"),
}


def progress_text(progress: dict[str, Any] | None) -> str:
    """``{"what": "VMs", "done": 1200}`` as "reading VMs: 1,200" (or "… 12 of 38")."""
    if not progress:
        return ""
    what = _WHAT.get(progress.get("what", ""), progress.get("what", ""))
    done, total = progress.get("done"), progress.get("total")
    if total:
        return _("%(what)s: %(done)s of %(total)s") % {
            "what": what,
            "done": intcomma(done),
            "total": intcomma(total),
        }
    if progress.get("what") == "writing" or done is None:
        return str(what)
    return _("%(what)s: %(done)s") % {"what": what, "done": intcomma(done)}
