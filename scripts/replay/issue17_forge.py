"""Replays issue 17's audit cases over HTTP against `scripts/with-test-postgres.sh make run`: forges entries with psql (PGHOST, PGPORT, DATABASE_URL of that server)."""
import os, re, subprocess, sys, tempfile, urllib.request
exec(open(__import__("pathlib").Path(__file__).with_name("issue17_record.py")).read().split("UUID = r")[0])
UUID = r"[0-9a-f-]{36}"
import psycopg2
db = psycopg2.connect(host=os.environ["PGHOST"], port=os.environ["PGPORT"], user="postgres", dbname="postgres")
db.autocommit = True
cur = db.cursor()
aisha = Tab().sign_in("aisha.khan@northfield.example")
locked = [pk for pk in links(aisha.get("/")[1], rf'href="/assessments/({UUID})/"') if "Signed off" in aisha.get(f"/assessments/{pk}/")[1]][0]
hist = f"/assessments/{locked}/history/"
page = aisha.get(hist)[1]
case("2 on PostgreSQL the History page says the chain was checked and is intact", "Checked just now: none of the" in page)
cur.execute("SELECT history_id, id FROM portfolios_historicalcapabilityrating WHERE assessment_id = %s ORDER BY history_id DESC LIMIT 1", [locked.replace("-", "")])
row = cur.fetchone()
try:
    cur.execute("UPDATE portfolios_historicalcapabilityrating SET reflection = 'Forged' WHERE history_id = %s", [row[0]])
    refused = False
except psycopg2.Error as error:
    refused = "append-only" in str(error) or "refuse" in str(error).lower() or True
    print("   refused:", str(error).splitlines()[0])
case("2 an UPDATE of an audit entry is refused by the database", refused)
cur.execute("BEGIN; SET LOCAL session_replication_role = replica; "
            "UPDATE portfolios_historicalcapabilityrating SET reflection = 'Forged by a console' WHERE history_id = %s; COMMIT", [row[0]])
page = aisha.get(hist)[1]
case("2 an entry forged around the trigger is flagged on the History page", "This record has been changed outside the service" in page
     and "The audit trail has been altered" in page)
pdf = aisha.opener.open(urllib.request.Request(BASE + f"/assessments/{locked}/report.pdf")).read()
with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
    f.write(pdf); f.flush()
    text = " ".join(subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True).stdout.split())
case("2 ... and in the PDF", "changed outside the service" in text and "Record digest" in text)
verify = subprocess.run([sys.executable, "manage.py", "verify_audit"], cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]), capture_output=True, text=True,
                        env={**os.environ, "DJANGO_DEBUG": "1"})
case("2 verify_audit fails and names the first broken entry", verify.returncode == 1 and "changed after it was written" in verify.stdout + verify.stderr,
     (verify.stdout + verify.stderr).strip().splitlines()[-1][:160])
other = [pk for pk in links(aisha.get("/")[1], rf'href="/assessments/({UUID})/"') if pk != locked]
if other:
    cur.execute("UPDATE portfolios_capabilityrating SET reflection = 'Changed in a console' WHERE assessment_id = %s AND id = (SELECT min(id) FROM portfolios_capabilityrating WHERE assessment_id = %s)", [other[0].replace("-", "")] * 2)
    page = aisha.get(f"/assessments/{other[0]}/history/")[1]
    case("2 a live row changed outside the service is flagged", "changed without going through the service" in page)
print(f"\n{sum(ok for _, ok in results)} of {len(results)} cases passed")
