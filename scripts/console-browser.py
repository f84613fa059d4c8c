#!/usr/bin/env python3
"""Walks the RecLab console in headless Chromium as a user would, and checks what they see.

Run by scripts/console-browser.sh against a live server (with its start-up evaluation stored
and a second one beside it). Every page is also checked by axe-core for violations of serious
or critical impact, and photographed into --screenshots. Exits 1 naming each check that failed.
"""
import argparse
import re
import sys

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)


def step(name, action):
    """Runs one part of the walk; an exception fails that part and the walk goes on."""
    try:
        action()
    except (PlaywrightError, AssertionError, KeyError, ValueError) as error:
        check(False, f"{name}: {str(error).splitlines()[0]}")


def accessible(page, name):
    violations = Axe().run(page).response["violations"]
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    detail = "; ".join(f"{v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}" for v in bad)
    check(not bad, f"{name}: no serious or critical accessibility violation" + (f": {detail}" if bad else ""))


def fits_width(page, name):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check(overflow <= 1, f"{name}: nothing wider than the screen ({overflow} px over)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--admin-key", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--client-key", help="the server needs a client key (ENABLE_AUTHENTICATION=true): walk the pages with this one")
    arguments = parser.parse_args()
    base = arguments.base
    shots = arguments.screenshots

    # Generous waits: the suite runs this beside other tests on two cores.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=arguments.chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme="light")
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        fitted_before = {}

        def overview():
            page.goto(base + "/")
            check(page.url.endswith("/console"), "/ leads to /console")
            instances = page.locator("#instances-title + p + .table-scroll table").inner_text()
            check("personalized" in instances and "sequential" in instances and "hybrid" in instances, "the overview lists the fitted instances")
            check("ndcg@10" in page.locator("section[aria-labelledby=evaluation-title]").inner_text(), "the overview shows the latest evaluation's ndcg@10")
            fitted_before["text"] = page.locator("#instances-title + p").inner_text()
            # The live table updates itself: the script's own polls show up without a reload.
            expect(page.locator("#live-routes tbody")).to_contain_text("/console/live")
            check(True, "the live figures update without a reload")
            accessible(page, "overview")
            page.screenshot(path=f"{shots}/overview.png", full_page=True)
            page.keyboard.press("Tab")
            check(page.evaluate("document.activeElement.textContent") == "Skip to the content", "the first Tab reaches the skip link")

        def admin_without_key():
            page.goto(base + "/console")
            page.get_by_role("button", name="Refit the models").click()
            dialog = page.locator("#admin-key-dialog")
            check(dialog.is_visible(), "an admin action asks for the admin key")
            page.get_by_role("button", name="Cancel").click()
            expect(page.locator("#admin-status")).to_contain_text("nothing was done")
            check(True, "without the key, no admin action is sent")
            page.get_by_role("button", name="Refit the models").click()
            page.locator("#admin-key").fill("not-the-admin-key")
            with page.expect_response(re.compile(r".*/admin/refit$")) as answer:
                page.get_by_role("button", name="Use this key").click()
            check(answer.value.status in (401, 403), f"a wrong key is refused by the server ({answer.value.status})")
            expect(page.locator("#admin-status")).to_contain_text("refused")
            check(True, "the page says the key was refused")
            page.reload()
            check(page.locator("#instances-title + p").inner_text() == fitted_before["text"], "no refit ran without the admin key")

        def admin_refit():
            page.goto(base + "/console")
            # The simulation left the key in this tab: forgotten, the page asks again.
            page.get_by_role("button", name="Forget the admin key").click()
            page.get_by_role("button", name="Refit the models").click()
            page.locator("#admin-key").fill(arguments.admin_key)
            with page.expect_response(re.compile(r".*/admin/refit$")) as answer:
                page.get_by_role("button", name="Use this key").click()
            check(answer.value.status == 202, f"the refit is accepted with the admin key ({answer.value.status})")
            expect(page.locator("#admin-status")).to_contain_text("refit started")
            for _ in range(120):
                page.wait_for_timeout(1000)
                page.reload()
                if page.locator("#instances-title + p").inner_text() != fitted_before["text"]:
                    break
            check(page.locator("#instances-title + p").inner_text() != fitted_before["text"], "the refit's new models show on the overview")

        def user():
            page.goto(base + "/console")
            page.locator("#user-box").fill("1")
            page.locator("#user-box").press("Enter")
            page.wait_for_url(re.compile(r".*/console/users/1$"))
            columns = page.locator(".column").evaluate_all("columns => columns.map(c => c.dataset.instance)")
            check({"personalized", "hybrid", "sequential", "popular"} <= set(columns), f"the user page shows the instances side by side ({', '.join(columns)})")
            check(page.locator(".column[data-instance=personalized] li").count() == 10, "the personalized column holds a top 10")
            check("Because you liked" in page.locator(".column[data-instance=personalized]").inner_text(), "the personalized column gives its reasons")
            check(page.locator("#history-title + p + .table-scroll tbody tr").count() > 0, "the user's history is shown")
            check(page.locator(".movie.shared").count() > 0, "movies two columns share are marked")
            accessible(page, "user")
            page.screenshot(path=f"{shots}/user.png", full_page=True)

            first = page.locator(".column[data-instance=personalized] li").first
            rated = first.get_attribute("data-tmdb-id")
            title = first.locator(".title").inner_text()
            first.get_by_role("button").click()
            check(page.locator("#rate-movie").input_value() == rated, "Rate fills the form with the movie")
            page.locator("#rate-value").select_option("5.0")
            page.get_by_role("button", name="Save").click()
            expect(page.locator("#rate-status")).to_contain_text("the lists are updated")
            leader = page.locator(".column[data-instance=personalized] li").first.get_attribute("data-tmdb-id")
            check(leader != rated, f"rating {title} changes the personalized column at once (it left the list)")
            check(title in page.locator("#history-title ~ ul").inner_text(), "the rating appears among the preferences given")

        def phone():
            small = context.new_page()
            small.set_viewport_size({"width": 390, "height": 844})
            small.goto(base + "/console/users/1")
            fits_width(small, "the user page on a phone")
            small.screenshot(path=f"{shots}/user-phone.png", full_page=False)
            small.close()

        def movie():
            page.goto(base + "/console/users/1")
            link = page.locator(".column[data-instance=hybrid] li .title").first
            title = link.inner_text()
            link.click()
            page.wait_for_url(re.compile(r".*/console/movies/\d+$"))
            check(title in page.locator("h1").inner_text(), f"a movie link opens the movie's page ({title})")
            check(page.locator("ol.similar li").count() > 0, "the movie page lists similar movies")
            check("user 1" in page.locator("section[aria-labelledby=listed-title]").inner_text(), "the movie page says whose lists held it")
            accessible(page, "movie")

        def search():
            page.goto(base + "/console/movies/603")
            check("The Matrix Reloaded" in page.locator("ol.similar").inner_text(), "The Matrix's similar movies include its sequel")
            page.screenshot(path=f"{shots}/movie.png", full_page=True)
            page.locator("#search-box").press_sequentially("inception", delay=40)
            page.locator("#search-results li").first.wait_for()
            check("Inception" in page.locator("#search-results").inner_text(), "search as you type finds Inception")
            page.screenshot(path=f"{shots}/search.png")
            page.locator("#search-box").press("ArrowDown")
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r".*/console/movies/\d+$"))
            check("Inception" in page.locator("h1").inner_text(), "a search result opens its movie from the keyboard")

        def evaluations():
            page.goto(base + "/console")
            page.get_by_role("link", name="Evaluations").click()
            table = page.locator("#runs-title + .table-scroll tbody")
            check(table.locator("tr").count() >= 2, "the evaluations page lists every run")
            page.get_by_role("button", name="Compare").click()
            page.wait_for_url(re.compile(r".*a=.*&b=.*"))
            rows = page.locator("#comparison-title ~ .table-scroll tbody tr")
            check(rows.count() > 0, "two runs compare strategy by strategy")
            check("interval" in page.locator("#comparison-title ~ .table-scroll thead").inner_text(), "the comparison gives each difference's interval")
            accessible(page, "evaluations")
            page.screenshot(path=f"{shots}/evaluations.png", full_page=True)
            table.get_by_role("link", name="report").first.click()
            check("ndcg" in page.content().lower(), "an evaluation's report opens from the list")

        def experiments():
            page.goto(base + "/console")
            page.get_by_role("link", name="Experiments").first.click()
            page.wait_for_url(re.compile(r".*/console/experiments$"))
            check("personalized-ease-tuning" in page.locator("main").inner_text(), "the experiments page lists the shipped experiments")
            accessible(page, "experiments")
            page.screenshot(path=f"{shots}/experiments.png", full_page=True)
            page.locator("section[aria-labelledby=exp-personalized-ease-tuning]").get_by_role("link", name="Report").click()
            check("personalized-ease-tuning" in page.content(), "an experiment's report opens from the list")

        def simulation():
            page.goto(base + "/console/experiments")
            check(page.locator("section[aria-labelledby=exp-personalized-ease-tuning] [data-admin-action]").count() == 0,
                  "a running experiment offers no simulation")
            page.get_by_role("button", name="Simulate popular-vs-ease offline").click()
            if page.locator("#admin-key-dialog").is_visible():
                page.locator("#admin-key").fill(arguments.admin_key)
                page.get_by_role("button", name="Use this key").click()
            report = page.locator("#simulation-popular-vs-ease").get_by_role("link", name="Open the simulated report")
            report.wait_for(timeout=120_000)
            check(True, "a draft's offline simulation runs from its button and links its report")
            report.click()
            page.wait_for_url(re.compile(r".*/experiments/popular-vs-ease/simulation.*"))
            check("popular-vs-ease" in page.content() and "ease" in page.content(), "the simulated report opens")

        def dark():
            night = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme="dark").new_page()
            night.goto(base + "/console/users/1")
            background = night.evaluate("getComputedStyle(document.body).backgroundColor")
            check(background != "rgb(247, 247, 245)", f"the dark scheme follows the system's setting ({background})")
            accessible(night, "user page, dark")
            night.screenshot(path=f"{shots}/user-dark.png")
            night.close()

        def keyed():
            page.goto(base + "/console/users/1")
            check(page.get_by_role("heading", name="A client key is needed").is_visible(), "without a key the page asks for one")
            check(page.locator(".column").count() == 0, "without a key the page carries no data")
            accessible(page, "the client key form")
            page.locator("#client-key").fill("not-a-key")
            page.get_by_role("button", name="Use this key").click()
            expect(page.locator("#client-key-status")).to_contain_text("refused")
            check(True, "a wrong client key is refused")
            page.locator("#client-key").fill(arguments.client_key)
            page.get_by_role("button", name="Use this key").click()
            expect(page.locator(".column[data-instance=personalized]")).to_contain_text("Because you liked")
            check(True, "with the key the user's lists load")
            check(not page.get_by_role("heading", name="A client key is needed").is_visible(), "the key form goes once the key is taken")
            page.locator("#search-box").press_sequentially("matrix", delay=40)
            expect(page.locator("#search-results")).to_contain_text("The Matrix")
            check(True, "search as you type sends the key")
            page.reload()
            expect(page.locator(".column[data-instance=hybrid] li").first).to_be_visible()
            check(True, "the key is kept for the tab: a reload loads the data")

        walk = [("keyed", keyed)] if arguments.client_key else [("overview", overview), ("admin without the key", admin_without_key), ("user", user), ("phone", phone),
                             ("movie", movie), ("search", search), ("evaluations", evaluations), ("experiments", experiments),
                             ("simulation", simulation), ("dark", dark), ("admin refit", admin_refit)]
        for name, action in walk:
            step(name, action)
        check(not errors, "no script error on any page" + (": " + "; ".join(errors[:3]) if errors else ""))
        browser.close()

    print(f"console: {len(failures)} of the checks failed" if failures else "console: every check holds")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
