"""Recusal (jäv) in Chromium (issue 21, must show 4): the Farsta district director, a
steering-group member tied to Farsta, opens Farsta's project page with a plan to decide: no
form is offered, the reason is shown. A decision posted anyway (a form put together in the
page) comes back refused at the top of the plan section, focused, and nothing is written.
The Rinkeby-Kista director is offered the form and decides. Every step is screenshotted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from playwright.sync_api import Page, expect

from policies.commands import SubmitPlan
from ppss_workflow.demo import district_actor
from tests.browser.test_journeys import DEC_2014, Demo, app_for, demo, demo_sign_in
from tests.live import Screenshot, ServeApp

__all__ = ["demo"]  # the fixture, shared with the other journeys

FARSTA = "/rounds/ppss-2014/projects/farsta"

#: Put together the plan form the page does not offer, with the page's own CSRF token, and
#: send it: what a person with the developer tools (or an old tab) could do.
_POST_ANYWAY = """
() => {
  const csrf = document.querySelector('input[name="csrf_token"]').value;
  const form = document.createElement('form');
  form.method = 'post';
  form.action = '/rounds/ppss-2014/projects/farsta/plans';
  const fields = {csrf_token: csrf, plan_id: 'plan-c', decision: 'approve',
                  meeting_on: '2014-12-15', reason: ''};
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}
"""


def test_a_recusal_refused_in_the_browser(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)
    d.commands().execute(
        district_actor("Farsta"),
        SubmitPlan(round_id="ppss-2014", district="Farsta", plan_id="plan-c", summary="Tillägg"),
    )
    url = serve(app_for(d))
    demo_sign_in(page, url, "Styrgruppen: Stadsdelsdirektör, Farsta", screenshot)
    page.goto(f"{url}{FARSTA}")
    notice = page.locator("#plan-recused")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("jäv: stadsdelsdirektor@farsta.example.org är knuten till")
    expect(page.locator("form.plan")).to_have_count(0)
    expect(page.get_by_role("button", name="Registrera beslutet")).to_have_count(0)
    screenshot("not-offered")

    before = d.store.count()
    with page.expect_navigation():
        page.evaluate(_POST_ANYWAY)
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("jäv:")
    expect(alert).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "plan-refused"
    assert d.store.count() == before
    screenshot("refused")

    page.context.clear_cookies()
    demo_sign_in(page, url, "Styrgruppen: Stadsdelsdirektör, Rinkeby-Kista", screenshot)
    page.goto(f"{url}{FARSTA}")
    expect(page.locator("#plan-recused")).to_have_count(0)
    form = page.locator("form.plan")
    form.get_by_label("Datum för styrgruppens möte").fill("2014-12-15")
    form.get_by_role("button", name="Registrera beslutet").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert d.store.count() == before + 1
    assert d.store.read_stream("project:ppss-2014:farsta")[-1].event_type == "PlanApproved"
    screenshot("decided-by-another-member")
