"""Steps an admin takes in the sandbox portal, as Playwright calls on the page and its app frame."""

import uuid

WAIT_MS = 15_000
VIEWPORT = {"width": 1280, "height": 900}
FRAME = "#app-frame"
RECORD_HEIGHTS = """() => {
  const el = document.getElementById("app-frame");
  window.frameHeights = [];
  new MutationObserver(() => window.frameHeights.push(el.style.height))
    .observe(el, {attributes: true, attributeFilter: ["style"]});
}"""
# Height the portal's stylesheet gives a fresh app frame before the app asks for a resize.
INITIAL_HEIGHT = """() => {
  const probe = document.createElement("iframe");
  probe.className = "app-frame";
  document.body.append(probe);
  const height = probe.getBoundingClientRect().height;
  probe.remove();
  return height;
}"""
CONTENT_HEIGHT = "() => document.documentElement.getBoundingClientRect().height"


def new_portal_name() -> str:
    return "br" + uuid.uuid4().hex[:10]


def app_frame(page, box):
    """The Playwright Frame that shows the app, once the app's own document is loaded in it."""
    page.frame_locator(FRAME).locator("body.b24-app").wait_for()
    frame = page.locator(FRAME).element_handle().content_frame()
    assert frame is not None and frame.url.startswith(box.app_url), frame and frame.url
    return frame


def frame_height(page) -> float:
    return page.locator(FRAME).evaluate("el => el.getBoundingClientRect().height")


def wait_fitted(page, box) -> float:
    """Wait until BX24.fitWindow made the portal's iframe exactly as tall as the app's content."""
    content = app_frame(page, box).evaluate(CONTENT_HEIGHT)
    page.wait_for_function(
        """want => {
          const got = document.getElementById("app-frame").getBoundingClientRect().height;
          return Math.abs(got - Math.max(200, want)) <= 2;
        }""",
        arg=content,
    )
    return frame_height(page)


def open_tab(page, box, tab: str):
    """Click a tab in the app's tab bar and wait for that tab to be the active one."""
    app = page.frame_locator(FRAME)
    navigate(page, box, app.locator(f'.b24-tab[data-tab="{tab}"]'))
    app.locator(f'.b24-tab.active[data-tab="{tab}"]').wait_for()
    return app_frame(page, box)


def navigate(page, box, target) -> None:
    """Click a link or button inside the app frame and wait for the frame's next document."""
    with app_frame(page, box).expect_navigation():
        target.click()


def connect_chat2desk(page, box, token: str = "sandbox-token"):
    """Fill the connection form inside the frame with the sandbox account; region = first option."""
    app = page.frame_locator(FRAME)
    form = app.locator("form.b24-form")
    form.locator('[name="api_token"]').fill(token)
    first = form.locator('select[name="api_url"] option').first.get_attribute("value")
    form.locator('select[name="api_url"]').select_option(first)
    navigate(page, box, form.locator('button[type="submit"]').first)
    app.locator(".b24-alert-success").wait_for()
    return first


def app_cookies(context, box) -> list[dict]:
    """Every cookie of the app's host (cookies ignore ports: the fake Chat2Desk counts too)."""
    host = box.app_url.split("://", 1)[1].split(":", 1)[0]
    return [c for c in context.cookies() if c["domain"].lstrip(".") == host]
