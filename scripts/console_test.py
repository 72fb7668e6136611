"""Drives the Simpul console in headless Chromium (called by scripts/console-test.sh)."""
import csv
import io
import json
import os
import re
import sys
import time

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

URL, TOKENS, OUT, DOWNLOADS = sys.argv[1:5]
NIK = "7571014504900002"
os.makedirs(DOWNLOADS, exist_ok=True)
tokens = json.load(open(TOKENS))

opts = Options()
opts.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,768"]:
    opts.add_argument(a)
opts.add_experimental_option("prefs", {"download.default_directory": DOWNLOADS, "download.prompt_for_download": False})
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": DOWNLOADS})
wait = WebDriverWait(driver, 20)
problems = []
shots = []


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        problems.append(what)


def shot(name, top=True):
    if top:
        driver.execute_script("window.scrollTo(0, 0)")
    path = os.path.join(OUT, name + ".png")
    driver.save_screenshot(path)
    shots.append(path)


def console_errors(where):
    for entry in driver.get_log("browser"):
        if entry["level"] in ("SEVERE", "ERROR"):
            problems.append(f"console error ({where}): {entry['message']}")
            print("FAIL  console error:", entry["message"])


def download(button, name):
    """Clicks a download button and returns the bytes of the file it saves (empty if none came)."""
    driver.find_element(By.ID, button).click()
    path = os.path.join(DOWNLOADS, name)
    for _ in range(100):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            break
        time.sleep(0.1)
    return open(path, "rb").read() if os.path.exists(path) else b""


def nav(view):
    driver.find_element(By.CSS_SELECTOR, f'#nav button[data-view="{view}"]').click()
    wait.until(lambda d: d.find_element(By.ID, "view-" + view).is_displayed())


def status_text():
    return driver.find_element(By.ID, "status").text


axe = Axe(driver)


def accessibility(where):
    axe.inject()
    result = axe.run(options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}})
    serious = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    for v in result["violations"]:
        print(f"      axe {v.get('impact')}: {v['id']} ({len(v['nodes'])} node(s)): {v['help']}")
    check(not serious, f"accessibility ({where}): no serious or critical axe-core violations")


def no_horizontal_overflow(where):
    w = driver.execute_script("return document.documentElement.scrollWidth")
    vw = driver.execute_script("return window.innerWidth")
    check(w <= vw + 1, f"{where}: the page fits the screen width ({w} ≤ {vw})")


try:
    driver.get(URL + "/")
    wait.until(EC.visibility_of_element_located((By.ID, "token")))
    check(driver.execute_script("return document.documentElement.lang") == "id", "the console opens in Bahasa Indonesia")
    # Keyboard: the first Tab reaches the skip link.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    check(driver.switch_to.active_element.get_attribute("class") == "skip", "keyboard: the first Tab focuses the skip link")
    accessibility("sign-in")
    shot("01-signin-1366")

    # Sign in as the inspectorate (granted everything) and pick the purpose.
    driver.find_element(By.ID, "token").send_keys(tokens["inspektorat"]["token"])
    driver.find_element(By.ID, "token").send_keys(Keys.ENTER)
    wait.until(EC.visibility_of_element_located((By.ID, "nav")))
    check("inspektorat" in driver.find_element(By.ID, "who").text, "signed in as inspektorat")
    check(tokens["inspektorat"]["token"] not in driver.current_url, "the token is not in the URL")
    check(driver.execute_script("return sessionStorage.getItem('simpul.token')") == tokens["inspektorat"]["token"], "the token is in sessionStorage")
    Select(driver.find_element(By.ID, "purpose")).select_by_value("pengawasan-pdp")

    # Citizen lookup by NIK: golden record with sources, linked records.
    nav("citizens")
    driver.find_element(By.ID, "nik").send_keys(NIK + Keys.ENTER)
    wait.until(lambda d: "SITI AMINAH" in d.find_element(By.ID, "citizen-detail").text)
    detail = driver.find_element(By.ID, "citizen-detail").text
    check("dukcapil-siak" in detail, "the golden record shows each field's source")
    check("Izin" in detail or "permit" in detail.lower(), "linked permits are listed")
    accessibility("citizen")
    shot("02-citizen-1366")
    # By name and birth date.
    driver.find_element(By.ID, "nama").send_keys("Siti Aminah")
    driver.execute_script("document.getElementById('tgl').value = '1990-04-05'")
    driver.find_element(By.CSS_SELECTOR, "#name-form button").click()
    wait.until(lambda d: NIK in d.find_element(By.ID, "citizen-results").text)
    check(True, "name + birth date search finds the citizen")

    # Review queue: resolve one pair.
    nav("review")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#review-list .review") or "kosong" in d.find_element(By.ID, "review-list").text)
    cards = driver.find_elements(By.CSS_SELECTOR, "#review-list .review")
    check(len(cards) > 0, f"the review queue shows pairs ({len(cards)})")
    if cards:
        # The candidate's own mentions, from GET /v1/persons/{id}, before deciding.
        toggle = cards[0].find_element(By.CSS_SELECTOR, ".person-mentions").find_element(By.XPATH, "..").find_element(By.TAG_NAME, "button")
        toggle.click()
        wait.until(lambda d: cards[0].find_elements(By.CSS_SELECTOR, ".person-mentions tbody tr"))
        rows = cards[0].find_elements(By.CSS_SELECTOR, ".person-mentions tbody tr")
        check(len(rows) > 0 and toggle.get_attribute("aria-expanded") == "true",
              f"a candidate's mentions are one click away ({len(rows)} linked)")
        check(not any("null" in c.text.split("\n") for c in cards), "no card shows a missing part as the text 'null'")
        conflict = [c for c in cards if "BUDI BUMULO" in c.text]
        check(bool(conflict) and "SITI AMINAH for the person" in conflict[0].text,
              "a conflict card shows what clashes with the NIK's holder (a SIMBG owner under another person's NIK)")
    accessibility("review")
    shot("03-review-1366")
    if cards:
        first = cards[0].get_attribute("aria-label")
        cards[0].find_element(By.CSS_SELECTOR, ".actions button").click()
        wait.until(lambda d: "Keputusan disimpan" in status_text())
        left = [c.get_attribute("aria-label") for c in driver.find_elements(By.CSS_SELECTOR, "#review-list .review")]
        check(first not in left, "'same person' resolves the pair and removes it from the queue")

    # Reconciliation: chart, findings filter, CSV download.
    nav("reconciliation")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#rekon-chart svg rect"))
    check(len(driver.find_elements(By.CSS_SELECTOR, "#rekon-chart svg rect")) >= 3, "bar chart drawn as SVG")
    kinds = Select(driver.find_element(By.ID, "f-kind"))
    all_rows = len(driver.find_elements(By.CSS_SELECTOR, "#rekon-findings tbody tr"))
    if len(kinds.options) > 1:
        kinds.select_by_index(1)
        filtered = len(driver.find_elements(By.CSS_SELECTOR, "#rekon-findings tbody tr"))
        check(0 < filtered <= all_rows, f"the findings filter narrows the list ({all_rows} → {filtered})")
        kinds.select_by_index(0)
    # Pemadanan penerima: the December bansos line to a recipient the registry records as deceased, naming no one.
    driver.find_element(By.ID, "recip-go").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#recip-result tbody tr"))
    recip = driver.find_element(By.ID, "recip-result").text
    check("recipient_deceased" in recip and "00011/SP2D/LS/2024#1" in recip and "NURHAYATI" not in recip,
          "the recipient check finds the payment after the recipient's death, and names no one")
    accessibility("reconciliation")
    shot("04-reconciliation-1366")
    data = download("rekon-csv", "rekonsiliasi-2024.csv")
    check(data.startswith(b"\xef\xbb\xbf") and b";" in data, f"the CSV downloads (BOM, ';'): {len(data)} bytes")
    data = download("rekon-findings-csv", "temuan-2024.csv")
    check(data.startswith(b"\xef\xbb\xbfJenis temuan;"), f"the findings CSV downloads: {len(data)} bytes")

    # Data: one schema's records with a filter, and the CSV of every page.
    nav("data")
    wait.until(lambda d: len(Select(d.find_element(By.ID, "d-schema")).options) > 0)
    Select(driver.find_element(By.ID, "d-schema")).select_by_value("budget_line")
    wait.until(lambda d: "tahap" in [o.get_attribute("value") for o in Select(d.find_element(By.ID, "d-field")).options])
    Select(driver.find_element(By.ID, "d-field")).select_by_value("tahap")
    Select(driver.find_element(By.ID, "d-op")).select_by_value("eq")
    driver.find_element(By.ID, "d-value").send_keys("murni")
    driver.find_element(By.CSS_SELECTOR, "#data-form button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#d-result tbody tr"))
    heads = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#d-result thead th")]
    shown = driver.find_elements(By.CSS_SELECTOR, "#d-result tbody tr")
    col = heads.index("tahap") if "tahap" in heads else -1
    check(col >= 0 and all(r.find_elements(By.TAG_NAME, "td")[col].text == "murni" for r in shown),
          f"the data view shows a schema's records, filtered ({len(shown)} budget lines, tahap = murni)")
    accessibility("data")
    shot("04b-data-1366")
    rows = list(csv.DictReader(io.StringIO(download("data-csv", "budget_line.csv").decode("utf-8"), newline="")))
    check(len(rows) == len(shown) and all(r["tahap"] == "murni" for r in rows) and "anggaran_kas" in (rows[0] if rows else {}),
          f"its CSV downloads, read back by Python's csv module: {len(rows)} rows")

    # Connectors: runs and dead letters.
    nav("connectors")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#run-list tbody tr"))
    check("simbg-pbg" in driver.find_element(By.ID, "connector-list").text, "connectors are listed with their kind")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#dlq-list tbody tr")) > 0, "the dead-letter queue lists reasons")
    # Run the external connector now and follow its run to the end.
    driver.find_element(By.CSS_SELECTOR, 'button[aria-label="Jalankan simbg-pbg"]').click()
    wait.until(lambda d: "selesai: ok" in status_text())
    check("simbg-pbg" in driver.find_element(By.ID, "run-list").text and "api" in driver.find_element(By.ID, "run-list").text,
          "'run now' starts a sync, and its run (trigger api) is listed when it ends")
    accessibility("connectors")
    shot("05-connectors-1366")

    # Audit: who read the citizen (this session did), and the chain.
    nav("audit")
    driver.find_element(By.ID, "audit-nik").send_keys(NIK + Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#audit-list tbody tr"))
    check("inspektorat" in driver.find_element(By.ID, "audit-list").text, "the audit log shows this session's reads")
    driver.find_element(By.ID, "audit-verify").click()
    wait.until(lambda d: "Kepala rantai" in d.find_element(By.ID, "audit-chain").text)
    check("utuh" in driver.find_element(By.ID, "audit-chain").text, "the audit chain verifies")
    check(re.search(r"[0-9]+:[0-9a-f]{64}", driver.find_element(By.ID, "audit-chain").text) is not None,
          "the chain's head is shown as ID:HASH, to keep outside the hub")
    # The citizen's access request (UU PDP Pasal 32): their data, records and readers, and nobody else's.
    driver.find_element(By.ID, "audit-report-go").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#audit-report h3"))
    report = driver.find_element(By.ID, "audit-report").text
    check("SITI AMINAH" in report and "inspektorat" in report and "penanggung_jawab" in report,
          "the report shows the person's data, who read it, and what was withheld")
    check("7571011203880001" not in report, "the report holds no other person's NIK (the co-director of her business)")
    # The same reads asked by her person id (how a person without a NIK is asked about).
    person_id = re.search(r"P[0-9a-f]{16}", report)
    check(person_id is not None, "the report names the person's id")
    if person_id:
        field = driver.find_element(By.ID, "audit-nik")
        field.clear()
        field.send_keys(person_id.group(0) + Keys.ENTER)
        wait.until(lambda d: "/v1/persons/{id}/report" in d.find_element(By.ID, "audit-list").text)
        check("inspektorat" in driver.find_element(By.ID, "audit-list").text, "who read her, asked by her person id")
    accessibility("audit")
    shot("06-audit-1366")

    # Live: topic offsets, then a pushed record appears without reloading.
    nav("live")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#topic-list tbody tr"))
    Select(driver.find_element(By.ID, "live-topic")).select_by_value("records.permit")
    time.sleep(1)
    import urllib.request
    body = json.dumps({"status": "success", "page": 1, "total_page": 1, "data": [{
        "id_permohonan": 990001, "no_permohonan": "PMH/990001", "jenis_izin": "Izin Usaha Mikro", "kode_jenis_izin": "IUM",
        "nik_pemohon": NIK, "nama_pemohon": "SITI AMINAH", "tgl_pengajuan": "2024-11-20 09:00:00",
        "updated_at": "2024-11-20 09:00:00", "status": "Proses", "retribusi": 0, "kode_wilayah": "7571011001"}]}).encode()
    req = urllib.request.Request(URL + "/v1/ingest/sicantik?file=live-test.json", data=body, method="POST",
                                 headers={"Authorization": "Bearer " + tokens["dpmptsp"]["token"]})
    urllib.request.urlopen(req).read()
    wait.until(lambda d: "990001" in d.find_element(By.ID, "live-events").text)
    check(True, "a pushed record appears in the live view without reloading")
    accessibility("live")
    shot("07-live-1366")

    # English.
    driver.find_element(By.ID, "lang").click()
    check(driver.find_element(By.CSS_SELECTOR, '#nav button[data-view="citizens"]').text == "Citizens", "English is one click away")
    check(driver.execute_script("return document.documentElement.lang") == "en", "the page language follows")
    driver.find_element(By.ID, "lang").click()

    # A 390-px phone.
    driver.set_window_size(390, 844)
    for view in ["citizens", "review", "reconciliation", "data", "connectors", "audit", "live"]:
        nav(view)
        time.sleep(0.6)
        no_horizontal_overflow(f"phone, {view}")
        shot(f"phone-{view}")
    nav("citizens")
    driver.find_element(By.ID, "nik").clear()
    driver.find_element(By.ID, "nik").send_keys(NIK + Keys.ENTER)
    wait.until(lambda d: "SITI AMINAH" in d.find_element(By.ID, "citizen-detail").text)
    no_horizontal_overflow("phone, citizen record")
    shot("phone-citizen-record")
    accessibility("phone")
    console_errors("end")
except Exception as e:  # a step that did not happen is a failure with its screenshot
    problems.append(f"{type(e).__name__}: {e}")
    print("FAIL ", type(e).__name__, str(e)[:500])
    try:
        shot("zz-failure")
        console_errors("failure")
    except Exception:
        pass
finally:
    driver.quit()

print(f"screenshots: {len(shots)} in {OUT}")
print("console test:", "PASS" if not problems else "FAIL")
for p in problems:
    print("  -", p)
sys.exit(1 if problems else 0)
