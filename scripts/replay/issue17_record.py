"""Replays issue 17's cases over HTTP against a running `make run`."""
import html, re, sys, threading, urllib.error, urllib.parse, urllib.request
from http.cookiejar import CookieJar

import os
BASE = os.environ.get("BASE", "http://127.0.0.1:8000")
PASSWORD = "demo-only-password"
results = []


def case(name, ok, detail=""):
    results.append((name, ok))
    print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail else ""))


class Tab:
    def __init__(self, jar=None):
        self.jar = jar or CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path, data=None, follow=True):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(BASE + path, data=body, headers={"Referer": BASE + path})
        try:
            r = self.opener.open(req)
            return r.status, r.read().decode("utf-8", "replace"), r.geturl()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace"), path

    def get(self, path):
        return self.open(path)

    def post(self, path, data, page=None):
        if page is None:
            page = self.get(path)[1]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.open(path, {**data, "csrfmiddlewaretoken": token})

    def sign_in(self, email):
        status, page, url = self.post("/accounts/login/", {"username": email, "password": PASSWORD})
        assert "Sign out" in page, (email, status, url)
        return self


def form_fields(page, containing='name="title"'):
    """The named inputs of the page's POST form holding that field, as a browser would send them."""
    forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page, re.S)
    form = next(f for f in forms if containing in f)
    data = {}
    for m in re.finditer(r'<input([^>]*)>', form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m.group(1)))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name or kind in ("file", "submit"):
            continue
        if kind in ("checkbox", "radio"):
            if " checked" in m.group(1):
                data.setdefault(name, []).append(html.unescape(attrs.get("value", "on")))
        else:
            data[name] = html.unescape(attrs.get("value", ""))
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[m.group(1)] = html.unescape(m.group(2)).lstrip("\n")
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', m.group(2))
        data[m.group(1)] = html.unescape(chosen.group(1)) if chosen else ""
    return data


def links(page, pattern):
    return list(dict.fromkeys(re.findall(pattern, page)))


UUID = r"[0-9a-f-]{36}"
aisha = Tab().sign_in("aisha.khan@northfield.example")
home = aisha.get("/")[1]
assessments = links(home, rf'href="/assessments/({UUID})/"')
locked = None
for pk in assessments:
    if "Signed off" in aisha.get(f"/assessments/{pk}/")[1]:
        locked = pk
        break
case("a signed-off assessment found for Aisha", locked is not None)
gaps = aisha.get(f"/assessments/{locked}/gaps/")[1]
item = links(gaps, rf'href="/evidence/({UUID})/"')[0]
status, edit, _ = aisha.get(f"/evidence/{item}/edit/")
fields = form_fields(edit)
old_description = fields["description"]
fields["description"] = "REWRITTEN AFTER SIGN-OFF over HTTP"
status, page, url = aisha.post(f"/evidence/{item}/edit/", fields, edit)
case("1 editing signed evidence makes a new version", "saved as a new version" in page and item not in url, url)
new_item = re.search(rf"/evidence/({UUID})/", url).group(1)
gaps = aisha.get(f"/assessments/{locked}/gaps/")[1]
case("1 the locked record's matrix keeps the old item, marked", f"/evidence/{item}/" in gaps and "Changed since signed" in gaps)
old_page = aisha.get(f"/evidence/{item}/")[1]
case("1 the old version's page shows what was signed", html.escape(old_description.strip()[:40]) in old_page
     and "REWRITTEN" not in old_page and "Changed since this was submitted" in old_page)
import subprocess, tempfile
req = urllib.request.Request(BASE + f"/assessments/{locked}/report.pdf")
pdf = aisha.opener.open(req).read()
with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
    f.write(pdf); f.flush()
    text = " ".join(subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True).stdout.split())
case("1 the PDF keeps what was signed", "REWRITTEN" not in text and "Record digest" in text and
     "This installation does not check its audit trail" in text, "SQLite: no chain")

# 3 Lost updates: two tabs on the new version.
tab_a, tab_b = aisha.get(f"/evidence/{new_item}/edit/")[1], aisha.get(f"/evidence/{new_item}/edit/")[1]
a, b = form_fields(tab_a), form_fields(tab_b)
a["title"] = a["title"] + " (tab A)"
b["impact"] = "Impact written in tab B"
sa = aisha.post(f"/evidence/{new_item}/edit/", a, tab_a)[0]
sb = aisha.post(f"/evidence/{new_item}/edit/", b, tab_b)[0]
detail = aisha.get(f"/evidence/{new_item}/")[1]
case("3 two tabs changing different fields both keep their change", sa == sb == 200 and "(tab A)" in detail
     and "Impact written in tab B" in detail)
tab_c, tab_d = aisha.get(f"/evidence/{new_item}/edit/")[1], aisha.get(f"/evidence/{new_item}/edit/")[1]
c, d = form_fields(tab_c), form_fields(tab_d)
c["impact"], d["impact"] = "Tab C says this", "Tab D says that"
aisha.post(f"/evidence/{new_item}/edit/", c, tab_c)
status, page, _ = aisha.post(f"/evidence/{new_item}/edit/", d, tab_d)
case("3 two tabs changing one field: the second gets 409 with its text kept", status == 409 and "Tab D says that" in page
     and "changed in another tab or window" in page, str(status))

# 8 Bad input: a 40-digit day.
e = form_fields(aisha.get(f"/evidence/{new_item}/edit/")[1])
e["activity_date_0"] = "9" * 40
status, page, _ = aisha.post(f"/evidence/{new_item}/edit/", e)
case("8 a 40-digit day is refused with a message, not a 500", status == 200 and "must be a real date" in page, str(status))
status, page, _ = aisha.get("/evidence/?date_from_0=1&date_from_1=1&date_from_2=" + "9" * 40)
case("8 the evidence filter with a 40-digit year is not a 500", status == 200, str(status))

# 8 SQLite: eight saves at once.
items = links(aisha.get("/evidence/")[1], rf'href="/evidence/({UUID})/"')[:8]
pages = {pk: aisha.get(f"/evidence/{pk}/edit/")[1] for pk in items}
codes = []
def save(pk):
    data = form_fields(pages[pk]); data["impact"] = f"Concurrent save {pk[:8]}"
    codes.append(Tab(aisha.jar).post(f"/evidence/{pk}/edit/", data, pages[pk])[0])
threads = [threading.Thread(target=save, args=(pk,)) for pk in items]
[t.start() for t in threads]; [t.join() for t in threads]
case(f"8 {len(items)} concurrent saves on SQLite: none is a 500", all(code in (200, 409) for code in codes), str(codes))

# 7 Password reset: the same answer for a known and an unknown address.
anon = Tab()
known = anon.post("/accounts/password/reset/", {"email": "helen.marsh@northfield.example"})
unknown = Tab().post("/accounts/password/reset/", {"email": "nobody@northfield.example"})
case("7 reset does not reveal whether an address has an account", known[0] == unknown[0] == 200
     and known[2] == unknown[2] and "Check your email" in known[1], known[2])

# 6 Packs are made by the worker started by make run, followed on a page, and downloaded by the asker only.
import time
summary = aisha.get(f"/assessments/{locked}/")[1]
make = f"/assessments/{locked}/pdf/"
case("6 the summary offers the pack through its page", f'href="{make}">Get the portfolio pack (PDF)' in summary)
status, page, url = aisha.get(f"/assessments/{locked}/report.pdf?pack=1")
case("6 the old ?pack=1 link leads to the pack page", status == 200 and url.endswith(make) and "Make the portfolio pack" in page, url)
first = aisha.post(make, {"kind": "pack"}, page)
second = aisha.post(make, {"kind": "pack"}, page)
case("6 a double click gets the one pack being made", first[2] == second[2] and "/files/" in first[2], f"{first[2]} {second[2]}")
job_path = urllib.parse.urlparse(first[2]).path
waited = 0
while "is ready" not in (job_page := aisha.get(job_path)[1]) and waited < 120:
    time.sleep(1); waited += 1
case("6 the worker makes the pack with no other command", "Your portfolio pack is ready" in job_page, f"{waited} s")
pack = aisha.opener.open(urllib.request.Request(BASE + job_path + "download/")).read()
case("6 the pack downloads as a PDF with no active content", pack.startswith(b"%PDF-")
     and all(m not in pack for m in (b"/JavaScript", b"/Launch", b"/SubmitForm", b"/EmbeddedFile")), str(len(pack)))
helen = Tab().sign_in("helen.marsh@northfield.example")
codes = [helen.get(job_path + tail)[0] for tail in ("", "progress/", "download/")]
case("6 another person who may see the assessment gets 404 for Aisha's pack", codes == [404, 404, 404], str(codes))

# 5 Access ends with membership: the admin deactivates Daniel, who then tries to save.
daniel = Tab().sign_in("daniel.price@northfield.example")
d_home = daniel.get("/")[1]
d_assessments = links(d_home, rf'href="/assessments/({UUID})/"')
draft = next(pk for pk in d_assessments if "Submit assessment" in daniel.get(f"/assessments/{pk}/")[1])
pillar_url = f"/assessments/{draft}/pillars/expert-practice/"
pillar_page = daniel.get(pillar_url)[1]
grace = Tab().sign_in("grace.okafor@northfield.example")
_, org_page, org_url = grace.get("/organisations/")
org = re.search(rf'/organisations/({UUID})/', org_url + org_page).group(1)
members = grace.get(f"/organisations/{org}/members/?q=daniel")[1]
member = re.search(rf'href="(/organisations/{org}/members/{UUID}/)"', members).group(1)
deactivate_url = member + "deactivate/"
status, page, _ = grace.post(deactivate_url, {}, grace.get(deactivate_url)[1])
case("5 the admin deactivates Daniel", status == 200 and "deactivated" in page.lower(), str(status))
data = form_fields(pillar_page, containing='name="version"')
status, page, _ = daniel.post(pillar_url, data, pillar_page)
case("5 a deactivated practitioner's save is refused with a page that says why",
     status == 403 and "You can no longer change this portfolio" in page and "contact the organisation admin" in page,
     str(status))
status, page, _ = daniel.get(f"/assessments/{draft}/")
case("5 ... and can still read their assessment", status == 200, str(status))

print(f"\n{sum(ok for _, ok in results)} of {len(results)} cases passed")
sys.exit(0 if all(ok for _, ok in results) else 1)
