"""Check a part file of labelled messages: python3 check.py FILE..."""
import csv, json, sys, pathlib
root = pathlib.Path(__file__).resolve().parents[2]
names = {r["province"] for r in csv.DictReader(open(root / "triage_api/data/provinces_2025.csv", encoding="utf-8"))}
codes = {"DECEPTIVE_RECRUITMENT","CROSS_BORDER","CONFINEMENT","COMMUNICATION_CONTROL","DOCUMENT_RETENTION","DEBT_BONDAGE",
 "FORCED_LABOUR","SOLD_TRANSFERRED","VIOLENCE_THREATS","SEXUAL_EXPLOITATION","FORCED_MARRIAGE","CHILD_INVOLVED","BABY_SALE",
 "ORGAN_TRADE","ONLINE_EXTORTION","IMMEDIATE_DANGER"}
bad = 0; n = 0; styles = {}
for path in sys.argv[1:]:
    ids = set()
    for k, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip(): continue
        n += 1
        try:
            o = json.loads(line)
            assert set(o) == {"id","text","urgency","indicators","province","style"}, "keys"
            assert o["id"] not in ids, "duplicate id"; ids.add(o["id"])
            assert o["urgency"] in {"P1","P2","P3","P4"}, "urgency"
            assert set(o["indicators"]) <= codes, "codes"
            assert ("IMMEDIATE_DANGER" in o["indicators"]) == (o["urgency"] == "P1"), "IMMEDIATE_DANGER iff P1"
            assert o["province"] is None or o["province"] in names, "province"
            assert o["style"] in {"diacritics","plain","teencode"}, "style"
            assert o["text"].strip(), "text"
            styles[o["style"]] = styles.get(o["style"], 0) + 1
        except Exception as e:
            bad += 1; print(f"{path}:{k}: {e!r}")
print(f"{n} lines, {bad} bad, styles {styles}")
sys.exit(1 if bad else 0)
