"""Replays issue 17's 360° cases over HTTP against a fresh `make run` (BASE=http://127.0.0.1:8000)."""
import os, re, sys
sys.argv = ["x"]
exec(open(__import__("pathlib").Path(__file__).with_name("issue17_record.py")).read().split("UUID = r")[0])
UUID = r"[0-9a-f-]{36}"
aisha = Tab().sign_in("aisha.khan@northfield.example")
home = aisha.get("/")[1]
for pk in links(home, rf'href="/assessments/({UUID})/"'):
    page = aisha.get(f"/assessments/{pk}/")[1]
    status = re.search(r'nhsuk-tag[^"]*">([^<]+)<', page)
    rounds = links(page, rf'href="/feedback/({UUID})/"')
    print(pk, status.group(1) if status else None, rounds, "feedback/new" in page)
closed = links(aisha.get("/assessments/28e4204f-d224-4f31-be53-3a2cdd7e3df6/")[1], rf'href="/feedback/({UUID})/"')[0]
round_page = aisha.get(f"/feedback/{closed}/")[1]
s_, page, url = aisha.get(f"/feedback/{closed}/edit/")
case("4 a closed round's dates cannot be edited (the edit page goes back to the round)", url.endswith(f"/feedback/{closed}/"), url)
token_page = round_page
st, page, url = aisha.post(f"/feedback/{closed}/edit/", {"opens_on_0": "1", "opens_on_1": "1", "opens_on_2": "2027",
    "closes_on_0": "1", "closes_on_1": "2", "closes_on_2": "2027", "reminder_days_before": "3", "message": "Reopen"}, token_page)
after = aisha.get(f"/feedback/{closed}/")[1]
case("4 a forged POST to reopen a closed round changes nothing", st in (200, 403, 409) and "Reopen" not in after
     and url.endswith(f"/feedback/{closed}/"), f"{st} {url}")
st, page, url = aisha.post(f"/feedback/{closed}/raters/add/", {"rater-name": "One more", "rater-email": "late.rater@example.org", "rater-group": "peer"}, token_page)
after = aisha.get(f"/feedback/{closed}/")[1]
case("4 no rater can be added to a closed round", "late.rater@example.org" not in after, f"{st} {url}")

new = "/assessments/37f56454-a8e4-4dab-8f76-cd5b0bb046bc/feedback/new/"
start_page = aisha.get(new)[1]
data = {k: v for k, v in form_fields(start_page, containing='name="message"').items()}
for name, value in re.findall(r'<input[^>]*name="(pillar_\d)"[^>]*value="([^"]+)"', start_page):
    data.setdefault(name, [])
    if isinstance(data[name], list):
        data[name].append(value)
data.update({"opens_on_0": "2", "opens_on_1": "12", "opens_on_2": "2026", "closes_on_0": "23", "closes_on_1": "12", "closes_on_2": "2026"})
st, page, url = aisha.post(new, data, start_page)
round_pk = re.search(rf"/feedback/({UUID})/", url)
case("4 a new round starts", st == 200 and round_pk is not None, f"{st} {url}")
round_pk = round_pk.group(1)
add = f"/feedback/{round_pk}/raters/add/"
add_page = aisha.get(f"/feedback/{round_pk}/")[1]
for email in ("AISHA.KHAN@northfield.example", "aisha.khan+sock@northfield.example"):
    st, page, url = aisha.post(add, {"rater-name": "Sock puppet", "rater-email": email, "rater-group": "peer"}, add_page)
    case(f"4 the practitioner's own address is refused ({email})", st == 200 and "your own view is your self-rating" in page, f"{st} {url}")
st, page, url = aisha.post(add, {"rater-name": "Peer One", "rater-email": "peer.one@example.org", "rater-group": "peer"}, add_page)
st, page, url = aisha.post(add, {"rater-name": "Peer One again", "rater-email": "Peer.One+2@Example.org", "rater-group": "peer"}, add_page)
case("4 one mailbox is asked once per assessment (tags and case do not make a new address)",
     "already asked someone with this email address" in page, f"{st} {url}")
rp = aisha.get(f"/feedback/{round_pk}/")[1]
case("4 ... the first address was added, the second refused", "peer.one@example.org" in rp.lower() and "peer.one+2" not in rp.lower())
print(f"\n{sum(ok for _, ok in results)} of {len(results)} cases passed")
