"""Cross-origin calls from a real browser (called by scripts/console-test.sh): a page served from another origin
fetches a citizen with a token and a purpose. From the origin `simpul demo --cors-origin` lists, the browser lets the
page read the answer (after its preflight); from any other origin it blocks the read."""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

API, LISTED, OTHER, TOKENS = sys.argv[1:5]
NIK = "7571014504900002"
token = json.load(open(TOKENS))["dinkes"]["token"]

opts = Options()
opts.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]:
    opts.add_argument(a)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
driver.set_script_timeout(20)
FETCH = """
const [url, token, done] = arguments;
fetch(url, {headers: {'Authorization': 'Bearer ' + token, 'X-Purpose': 'layanan-kesehatan'}})
  .then(async r => done({status: r.status, body: await r.text()}))
  .catch(e => done({error: String(e)}));
"""
problems = []


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        problems.append(what)


try:
    driver.get(LISTED + "/cors-page.html")
    r = driver.execute_async_script(FETCH, f"{API}/v1/citizens/{NIK}", token)
    body = json.loads(r.get("body") or "{}")
    check(r.get("status") == 200 and body.get("citizen", {}).get("nik") == NIK,
          f"a page from the listed origin reads the citizen (preflight, token, purpose): {str(r)[:160]}")
    r = driver.execute_async_script(FETCH, f"{API}/v1/citizens/0000000000000000", token)
    check(r.get("status") == 404, f"and reads an error's status too: {str(r)[:120]}")
    driver.get(OTHER + "/cors-page.html")
    r = driver.execute_async_script(FETCH, f"{API}/v1/citizens/{NIK}", token)
    check("error" in r and "status" not in r, f"a page from another origin is blocked by the browser: {str(r)[:160]}")
except Exception as e:
    problems.append(f"{type(e).__name__}: {e}")
    print("FAIL ", type(e).__name__, str(e)[:500])
finally:
    driver.quit()

print("cors test:", "PASS" if not problems else "FAIL")
sys.exit(1 if problems else 0)
