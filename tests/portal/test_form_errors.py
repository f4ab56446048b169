"""Every form of the portal, given bad input, answers with sentences in the reader's language.

The forms are found, not listed: every page of the URL conf (tests/security/sweep.py) is opened
by an administrator and a security officer, and every ``<form>`` on it is collected (the login
form by an anonymous visitor). Each is then submitted twice, as the browser would send it, with
every visible field empty and with every visible field holding a wrong value, in English and in
German. No answer may be a 500 or show a Python dict or error-list repr; a refused POST (400)
shows its errors in the shared form partial (``<ul class="errors">``), each a sentence, and the
German answer's errors are not the English ones. Forms with no visible field (buttons such as
"sync now", "revoke") and the language switch and logout are not submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory
from tests.portal.language_sweep import page_text, populated_world
from tests.security.helpers import verify_session
from tests.security.sweep import paths

REPR = re.compile(r"\{'\w+': \[|ErrorDict|ErrorList\(|ValidationError\(|\[ValidationError")
SKIP_ACTIONS = ("/logout/", "/i18n/setlang/")
WRONG = {
    "number": "-99999999999",
    "date": "2020-13-45",
    "datetime-local": "2020-13-45T99:99",
    "email": "not-an-address",
    "url": "ftp://x",
    "select": "99999999",
    "checkbox": "maybe",
}
WRONG_TEXT = "?!<wrong> {'field': ['value']}"


@dataclass
class Form:
    method: str
    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    visible: dict[str, str] = field(default_factory=dict)  # name -> input type

    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.method, self.action, tuple(sorted(self.visible)))


class _Forms(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self.current = page, [], None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self.current = Form(a.get("method", "get").lower(), action)
            self.forms.append(self.current)
        elif self.current is not None and a.get("name") and tag in ("input", "select", "textarea"):
            kind = a.get("type", "text") if tag == "input" else tag
            if kind in ("submit", "button", "reset", "image"):
                return
            if kind == "hidden":
                self.current.hidden[a["name"]] = a.get("value", "")
            else:
                self.current.visible[a["name"]] = kind

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def _forms_on(client: Client, path: str) -> list[Form]:
    answer = client.get(path)
    if answer.status_code != 200 or not answer.get("Content-Type", "").startswith("text/html"):
        return []
    parser = _Forms(path)
    parser.feed(answer.content.decode())
    return [
        f
        for f in parser.forms
        if f.visible and not any(s in f.action for s in SKIP_ACTIONS) and "csrf" not in f.action
    ]


def _payload(form: Form, empty: bool) -> dict[str, str]:
    data = {k: v for k, v in form.hidden.items() if k != "csrfmiddlewaretoken"}
    for name, kind in form.visible.items():
        data[name] = "" if empty else WRONG.get(kind, WRONG_TEXT)
    return data


def _errors(body: str) -> list[str]:
    """The text of each error item of the shared partial."""
    lists = re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', body, re.S)
    return [
        page_text(item) for block in lists for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def _client(user, lang: str) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        verify_session(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.fixture
def forms(db):
    world = populated_world()
    users = {
        role: UserFactory(username=f"forms-{role}", role=role)
        for role in ("administrator", "security_officer")
    }
    found: dict[tuple, tuple[object, Form, str]] = {}
    unfilled: list[str] = []
    pages = [path for _route, path, _names, _why in paths(world, unfilled)]
    for user in users.values():
        client = _client(user, "en")
        for path in pages:
            for form in _forms_on(client, path):
                found.setdefault(form.key(), (user, form, path))
    for form in _forms_on(_client(None, "en"), "/login/"):
        found.setdefault(form.key(), (None, form, "/login/"))
    return list(found.values())


def test_every_form_answers_bad_input_with_sentences_in_the_readers_language(forms):
    assert len(forms) >= 25, [f.action for _u, f, _p in forms]
    wrong: list[str] = []
    refused = 0
    for user, form, page in forms:
        for empty in (True, False):
            data = _payload(form, empty)
            said: dict[str, list[str]] = {}
            for lang in ("en", "de"):
                client = _client(user, lang)
                send = client.post if form.method == "post" else client.get
                answer = send(urlsplit(form.action).path, data, follow=True)
                body = answer.content.decode(errors="replace")
                where = f"{form.method.upper()} {form.action} ({lang}, from {page}, {data})"
                if answer.status_code >= 500:
                    wrong.append(f"{where}: {answer.status_code}")
                    continue
                if REPR.search(page_text(body).replace(WRONG_TEXT, "")):
                    wrong.append(f"{where}: a repr: {REPR.search(page_text(body)).group(0)}")
                said[lang] = _errors(body)
                if form.method == "post" and answer.status_code == 400:
                    refused += lang == "en"
                    if not said[lang]:
                        wrong.append(f"{where}: 400 without errors in the form partial")
                for text in said[lang]:
                    if len(text) < 8 or not re.search(r"[.!?)]$", text):
                        wrong.append(f"{where}: not a sentence: {text!r}")
            same = set(said.get("en", ())) & set(said.get("de", ()))
            if same:
                wrong.append(f"{form.action} ({data}): English errors in German: {sorted(same)}")
    assert refused >= 10
    assert not wrong, "\n".join(wrong)
