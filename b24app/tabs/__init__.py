"""Settings tabs as plain functions: load live lists, build the form, check rules, save."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from .. import choices, settings_store
from ..clients.bitrix24 import Bitrix24Error
from ..clients.c2d_errors import Chat2DeskError
from ..forms.settings import values
from ..models import Portal


@dataclass
class Ctx:
    """What a tab is built from: stored settings of every tab and the live lists."""

    portal: Portal
    stored: dict
    b24: choices.Bitrix24Lists | None = None
    c2d: choices.Chat2DeskLists | None = None


@dataclass
class TabPage:
    """A tab ready to render: the form, its layout and the lines around it."""

    ctx: Ctx
    form: FlaskForm | None = None
    sections: list = field(default_factory=list)
    whys: dict = field(default_factory=dict)
    off: set = field(default_factory=set)
    disables: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    buttons: list = field(default_factory=list)
    problem: str | None = None
    connect: bool = False


@dataclass(frozen=True)
class Spec:
    """How one tab is built and checked."""

    needs_b24: bool
    needs_c2d: bool
    build: Callable[[TabPage], None]
    check: Callable[[dict, Ctx], dict] = lambda data, ctx: {}
    after: Callable[[dict, Ctx, set], str | None] = lambda data, ctx, pressed: None
    # a button that fills the form for the admin to check instead of saving (a note, or None)
    propose: Callable[[dict, "TabPage", set], str | None] = lambda data, page, pressed: None


def _load(spec: Spec, ctx: Ctx, refresh: bool) -> str | None:
    """Fill ctx with the lists the tab needs; a readable problem instead of an exception."""
    try:
        if spec.needs_b24:
            ctx.b24 = choices.bitrix(ctx.portal, refresh)
    except Bitrix24Error as exc:
        return _(
            "Bitrix24 could not be reached to load the lists (%(why)s). "
            "Press “Refresh lists” in a minute.",
            why=str(exc) or type(exc).__name__,
        )
    try:
        if spec.needs_c2d:
            ctx.c2d = choices.chat2desk(ctx.portal, refresh)
    except Chat2DeskError as exc:
        return _(
            "Chat2Desk could not be reached to load the lists (%(why)s). "
            "Press “Refresh lists” in a minute.",
            why=str(exc) or type(exc).__name__,
        )
    return None


def build(tab: str, portal: Portal, refresh: bool = False) -> TabPage:
    """Load what the tab needs and build its page (no form when the lists are missing)."""
    from .pages import SPECS

    spec = SPECS[tab]
    page = TabPage(Ctx(portal, settings_store.load_all(portal)))
    page.problem = _load(spec, page.ctx, refresh)
    page.connect = spec.needs_c2d and portal.connection is None
    if page.problem is None and not page.connect:
        spec.build(page)
    return page


def submit(tab: str, page: TabPage, pressed) -> str | None:
    """Validate the posted form and save it; the flash message, or None when refused."""
    from .pages import SPECS

    spec, form = SPECS[tab], page.form
    valid = form.validate()
    data = values(form)
    errors = spec.check(data, page.ctx)
    for name, message in errors.items():
        form[name].errors.append(message)
    if not valid or errors:
        return None
    proposal = spec.propose(data, page, set(pressed))
    if proposal:  # shown filled in, not saved: Save saves
        page.notes.append(proposal)
        return None
    message = spec.after(data, page.ctx, set(pressed))
    settings_store.save(page.ctx.portal, tab, data)
    return message or _("Settings saved.")
