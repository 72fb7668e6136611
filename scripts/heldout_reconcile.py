#!/usr/bin/env python3
"""The reconciliation judged on a fiscal year written apart from the hub: SIPD perencanaan (RKPD/Renja CSV), SIPD
penganggaran (one DPA JSON document per version) and SIMDA SP2D lines (CSV, through crosswalk files in a copy of
the connector folder), in the formats of ../shared/SOURCES.md, with every kind of finding docs/reconciliation.md
lists planted in it: plans in several stages and documents, a budget revised for some SKPDs only, lines dropped by
the revision, spending over the ceiling, on accounts no DPA has, SP2D numbers reused, anggaran kas that does not
add up, potongan above nilai, codes of another urusan, a provinsi's level digit, a revenue account. The expected
report is worked out here from those documents alone (whole sen, Python integers) and compared with
`simpul reconcile --format json`: every finding (kind, codes, amount, source records), every sub kegiatan's plan,
budget per version, budget in force, realisation, absorption and monthly figures, and the totals. And pemadanan
penerima (`--recipients`): three monthly SIAK snapshots in which some recipients of bantuan sosial die or move away,
SP2D lines paying them (and people the registry does not know) through the year, each line judged by the registry
row in force at its SP2D date. It shares no code with the hub.

usage: heldout_reconcile.py [--seed N] [--subs N] [--keep DIR]   (SIMPUL_BIN: the simpul binary; default: swift build's)
"""
import argparse
import csv
import io
import json
import os
import random
import shutil
import subprocess
import tempfile

from heldout_common import ROOT, finish, simpul_binary

# SKPD code U1.BB1.U2.BB2.U3.BB3.UU.SSSS: the urusan/bidang it holds (0.00 = none).
SKPDS = {
    "1.02.0.00.0.00.01.0000": ("Dinas Kesehatan", ["1.02"]),
    "1.01.2.22.0.00.01.0000": ("Dinas Pendidikan dan Kebudayaan", ["1.01", "2.22"]),
    "3.27.0.00.0.00.01.0000": ("Dinas Pertanian", ["3.27"]),
    "2.17.0.00.0.00.02.0000": ("Dinas Koperasi dan UKM", ["2.17"]),
}
MONTHS = range(1, 13)


def rupiah_text(sen, dotted):
    """A pagu as SIPD perencanaan writes it: `1.250.000.000,00` or `1250000000` (whole rupiah)."""
    r = sen // 100
    if not dotted:
        return str(r)
    return "{:,}".format(r).replace(",", ".") + ",00"


def dec(sen):
    """Whole sen as the report's decimal text."""
    sign = "-" if sen < 0 else ""
    sen = abs(sen)
    return "%s%d.%02d" % (sign, sen // 100, sen % 100)


def pct(part, whole):
    """Absorption: part / whole in percent, two decimals, truncated."""
    if whole <= 0:
        return None
    hundredths = part * 10000 // whole
    return "%d.%02d" % (hundredths // 100, hundredths % 100)


class Year:
    """What was written, and what the report must say about it."""

    def __init__(self, rng, n_subs):
        self.rng = rng
        self.plans = []      # (tahun, dokumen, tahapan, skpd, sub, pagu_sen)
        self.budget = {}     # tahap -> list of (skpd, sub, akun, pagu_sen, kas_sen list)
        self.sp2d = []       # dicts: no, date, spm, skpd, sub, akun, nilai_sen, potongan_sen or None, key
        self.crosswalk_keg = {}   # (skpd, sub) -> SIMDA integer codes
        self.crosswalk_rek = {}   # akun -> SIMDA integer codes
        self.subs = []
        for skpd, (_, urusan) in sorted(SKPDS.items()):
            for u in urusan:
                for p in range(1, 3):
                    for k in range(1, 3):
                        for s in range(1, n_subs + 1):
                            self.subs.append((skpd, "%s.%02d.2.%02d.%04d" % (u, p, k, s)))
            self.subs.append((skpd, "X.XX.01.2.01.%04d" % (1 + len(skpd) % 3)))  # a supporting programme any SKPD has
        # Codes the checks must catch: a provinsi's level digit, another SKPD's urusan.
        self.subs.append(("1.02.0.00.0.00.01.0000", "1.02.03.1.01.0001"))
        self.subs.append(("3.27.0.00.0.00.01.0000", "1.02.03.2.02.0001"))
        self.accounts = ["5.1.02.01.01.%04d" % a for a in range(1, 9)] + ["5.2.02.05.01.0001"]
        self.revenue_account = "4.1.01.01.01.0001"

    def registry(self, out):
        """Three monthly SIAK snapshots of the people bantuan sosial is paid to: every row in each, some of them with a
        newer TGL_UPDATE saying the person died (MATI) or moved away (PINDAH)."""
        rng = self.rng
        self.people = []
        for i in range(120):
            born = "%02d-%02d-%d" % (rng.randint(1, 28), rng.randint(1, 12), rng.randint(1940, 1990))
            female = rng.random() < 0.5
            day = int(born[:2]) + (40 if female else 0)
            nik = "757101%02d%s%s%04d" % (day, born[3:5], born[-2:], i + 1)
            self.people.append({"nik": nik, "nama": "WARGA %s %d" % (rng.choice(["ABAS", "BADU", "HASAN", "KATILI"]), i),
                                "born": born, "sex": "2" if female else "1"})
        # (TGL_UPDATE date, status) in order: a row last changed years ago, as most are.
        self.status = {p["nik"]: [("%d-%02d-%02d" % (rng.randint(2015, 2023), rng.randint(1, 12), rng.randint(1, 28)), "HIDUP")]
                       for p in self.people}
        snapshots = [("2024-01-15", None), ("2024-06-20", 0.12), ("2024-10-05", 0.08)]
        for n, (day, change) in enumerate(snapshots):
            rows = ["NIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;AGAMA;STAT_KWN;STAT_HBKEL;PDDK_AKH;JENIS_PKRJN;ALAMAT;NO_RT;NO_RW;"
                    "NO_PROP;NO_KAB;NO_KEC;NO_KEL;NIK_IBU;NIK_AYAH;STAT_PDDK;TGL_UPDATE"]
            for p in self.people:
                history = self.status[p["nik"]]
                if change and history[-1][1] == "HIDUP" and rng.random() < change:
                    history.append((day, rng.choice(["MATI", "MATI", "PINDAH"])))
                updated, status = history[-1]
                rows.append(";".join([p["nik"], "7571010101240001", p["nama"], p["sex"], "GORONTALO", p["born"], "1", "2", "1", "5", "88",
                                      "JL. PANJAITAN NO. %d" % (int(p["nik"][-4:]) % 90), "001", "002", "75", "71", "1", "1001", "", "",
                                      status, updated + " 08:00:00"]))
            with open(os.path.join(out, "siak", "biodata_%d.csv" % n), "w", encoding="utf-8", newline="") as f:
                f.write("\r\n".join(rows) + "\r\n")

    def write(self, out):
        rng = self.rng
        # --- plans: RKPD and Renja, drafts and final stages, some subs with none
        for skpd, sub in self.subs:
            if rng.random() < 0.15:
                continue  # budgeted (perhaps), never planned: budgeted_not_planned
            stages = rng.sample([("RKPD", "rancangan_awal"), ("RKPD", "rancangan"), ("RKPD", "final"), ("RKPD", "perubahan"),
                                 ("RENJA", "rancangan"), ("RENJA", "final"), ("RENJA", "perubahan")], rng.randint(1, 4))
            for dokumen, tahapan in stages:
                self.plans.append((2024, dokumen, tahapan, skpd, sub, rng.randint(1, 900) * 1_000_000 * 100))
        # a plan of the year before, and subs planned but never budgeted
        self.plans.append((2023, "RKPD", "final", "1.02.0.00.0.00.01.0000", "1.02.01.2.01.0001", 777_000_000 * 100))
        unbudgeted = [("2.17.0.00.0.00.02.0000", "2.17.09.2.09.%04d" % i) for i in range(1, 4)]
        for skpd, sub in unbudgeted:
            self.plans.append((2024, "RKPD", "final", skpd, sub, rng.randint(1, 900) * 1_000_000 * 100))

        # --- budget: murni for every SKPD; pergeseran for one; perubahan for another, which drops some lines
        lines = []
        for skpd, sub in self.subs:
            for akun in rng.sample(self.accounts, rng.randint(1, 3)):
                lines.append((skpd, sub, akun))
        lines.append(("1.01.2.22.0.00.01.0000", "1.01.01.2.01.0001", self.revenue_account))
        lines.append(("1.02.0.00.0.00.01.0000", "1.02.03.1.01.0001", self.revenue_account))  # two codes wrong in one line
        revised = {"pergeseran": "3.27.0.00.0.00.01.0000", "perubahan": "1.01.2.22.0.00.01.0000"}
        for tahap in ("murni", "pergeseran", "perubahan"):
            items = []
            for skpd, sub, akun in lines:
                if tahap != "murni" and skpd != revised[tahap]:
                    continue
                if tahap == "perubahan" and rng.random() < 0.1:
                    continue  # dropped by the revision: its ceiling is 0 now
                kas = [rng.randint(0, 50_000_000) * 100 for _ in MONTHS]
                pagu = sum(kas)
                if rng.random() < 0.05:
                    pagu += rng.choice([-1, 1]) * rng.randint(1, 1000) * 100  # anggaran kas that does not add up
                items.append((skpd, sub, akun, pagu, kas))
            self.budget[tahap] = items
            doc = {"tahun": 2024, "kode_pemda": "75.71", "dokumen": "DPA", "tahap": tahap,
                   "tanggal": {"murni": "2024-01-02", "pergeseran": "2024-06-14", "perubahan": "2024-10-01"}[tahap],
                   "items": [{"nomor_dpa": "DPA/%s/2024" % skpd, "kode_skpd": skpd, "kode_sub_kegiatan": sub, "kode_akun": akun,
                              "uraian": "Belanja", "pagu": pagu // 100, "sumber_dana": "DAU",
                              "anggaran_kas": [k // 100 for k in kas]} for skpd, sub, akun, pagu, kas in items]}
            with open(os.path.join(out, "penganggaran", "dpa_2024_%s.json" % tahap), "w", encoding="utf-8") as f:
                json.dump(doc, f)

        # --- SP2D lines: mostly on budgeted lines (some past their ceiling), some on accounts no DPA has
        ceilings = self.ceilings()
        budgeted = sorted({(s, u, a) for items in self.budget.values() for s, u, a, _, _ in items})
        targets = []
        for key in budgeted:
            if rng.random() < 0.6:
                targets.append(key)
        for _ in range(6):
            skpd, sub = rng.choice(self.subs)
            targets.append((skpd, sub, "5.1.05.05.01.0001"))  # no DPA has this account: orphan_disbursement
        no = 0
        for skpd, sub, akun in targets:
            ceiling = ceilings.get((skpd, sub, akun), 0)
            # Spend below the ceiling, or past it now and then.
            budget = max(ceiling, 10_000_000 * 100)
            share = rng.choice([0.3, 0.6, 0.9, 1.2]) if ceiling else 0.5
            remaining = int(budget * share)
            while remaining > 0:
                no += 1
                nilai = min(remaining, rng.randint(1, budget // 3 + 1)) // 5 * 5
                if nilai <= 0:
                    break
                remaining -= nilai
                potongan = rng.choice([None, 0, nilai // 10, nilai + 500]) if rng.random() < 0.3 else nilai // 10
                month = rng.choice(list(MONTHS))
                recipient = None
                if rng.random() < 0.25:
                    # Bantuan sosial: a registry person, now and then someone the registry does not know (another
                    # name, a NIK issued elsewhere).
                    p = rng.choice(self.people)
                    recipient = (p["nama"], p["nik"]) if rng.random() < 0.9 else \
                        ("PENDATANG %d" % rng.randint(1, 10 ** 6), "730201%02d%02d%02d%04d" % (rng.randint(1, 28), rng.randint(1, 12),
                                                                                            rng.randint(50, 99), rng.randint(1, 9999)))
                self.sp2d.append({"no": "%05d/SP2D/LS/2024" % no, "date": "2024-%02d-%02d" % (month, rng.randint(1, 28)),
                                  "spm": "%05d/SPM/LS/2024" % no, "skpd": skpd, "sub": sub, "akun": akun,
                                  "nilai": nilai, "potongan": potongan, "recipient": recipient})
        # One SP2D over two accounts, its number reused under another date and SPM (reported, never dropped).
        base = self.sp2d[len(self.sp2d) // 2]
        self.sp2d.append(dict(base, akun=self.accounts[-1], nilai=1_234_500))
        self.sp2d.append(dict(base, date="2024-12-30", spm="99999/SPM/LS/2024", nilai=5_000_000))
        self.duplicate = base["no"]
        # A line paid from the revenue account (through the crosswalk): not spending.
        self.sp2d.append({"no": "%05d/SP2D/LS/2024" % (no + 1), "date": "2024-11-11", "spm": "%05d/SPM/LS/2024" % (no + 1),
                          "skpd": "1.01.2.22.0.00.01.0000", "sub": "1.01.01.2.01.0001", "akun": self.revenue_account,
                          "nilai": 42_000_000, "potongan": None, "recipient": None})
        line_of = {}
        for d in self.sp2d:
            line_of[d["no"]] = line_of.get(d["no"], 0) + 1
            d["key"] = "%s#%d" % (d["no"], line_of[d["no"]])

        # --- SIMDA's codes and the crosswalks that translate them
        for i, (skpd, sub) in enumerate(sorted({(d["skpd"], d["sub"]) for d in self.sp2d})):
            self.crosswalk_keg[(skpd, sub)] = (1 + i // 400, 1 + i // 100 % 4, 1, 1, 15 + i // 20 % 5, 1 + i % 20)
        for i, akun in enumerate(sorted({d["akun"] for d in self.sp2d})):
            self.crosswalk_rek[akun] = (int(akun[0]), 1 + i // 50, 1 + i // 10 % 5, 1, 1 + i % 10)
        folder = os.path.join(out, "connector-simda")
        shutil.copytree(os.path.join(ROOT, "connectors", "simda-keuangan"), folder)
        shutil.rmtree(os.path.join(folder, "samples"), ignore_errors=True)
        with open(os.path.join(folder, "crosswalk_kegiatan.csv"), "w", encoding="utf-8") as f:
            f.write("Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,kode_skpd,kode_sub_kegiatan\n")
            for (skpd, sub), c in sorted(self.crosswalk_keg.items(), key=lambda kv: kv[1]):
                f.write(",".join(map(str, c)) + ",%s,%s\n" % (skpd, sub))
        with open(os.path.join(folder, "crosswalk_rekening.csv"), "w", encoding="utf-8") as f:
            f.write("Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,kode_akun\n")
            for akun, c in sorted(self.crosswalk_rek.items(), key=lambda kv: kv[1]):
                f.write(",".join(map(str, c)) + ",%s\n" % akun)
        rows = ["Tahun,No_SP2D,Tgl_SP2D,No_SPM,Tgl_SPM,Jn_SPM,Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,"
                "Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,Nilai,Potongan,Nm_Penerima,NIK_Penerima,NPWP,Bank_Penerima,"
                "Rek_Penerima,Keterangan"]
        for d in self.sp2d:
            pot = "NULL" if d["potongan"] is None else "%d.%02d" % (d["potongan"] // 100, d["potongan"] % 100)
            rows.append(",".join(["2024", d["no"], d["date"] + " 00:00:00.000", d["spm"], d["date"] + " 00:00:00.000", "4"]
                                 + [str(x) for x in self.crosswalk_keg[(d["skpd"], d["sub"])]]
                                 + [str(x) for x in self.crosswalk_rek[d["akun"]]]
                                 + ["%d.%02d" % (d["nilai"] // 100, d["nilai"] % 100), pot] + list(d["recipient"] or ("", ""))
                                 + ["NULL", "BANK SULUTGO", "6595512345", ""]))
        with open(os.path.join(out, "simda", "sp2d_2024.csv"), "w", encoding="utf-8", newline="") as f:
            f.write("\r\n".join(rows) + "\r\n")

        # --- the plans as SIPD perencanaan writes them
        rows = ['"tahun","dokumen","tahapan","kode_skpd","nama_skpd","kode_sub_kegiatan","nama_sub_kegiatan","indikator",'
                '"target","satuan","pagu_indikatif","kode_lokasi"']
        for tahun, dokumen, tahapan, skpd, sub, pagu in self.plans:
            fields = [str(tahun), dokumen, tahapan, skpd, SKPDS[skpd][0], sub, "Sub kegiatan", "Cakupan", "100", "persen",
                      rupiah_text(pagu, rng.random() < 0.5), "75.71.01"]
            rows.append(",".join('"%s"' % v for v in fields))
        with open(os.path.join(out, "perencanaan", "rkpd_renja.csv"), "w", encoding="utf-8", newline="") as f:
            f.write("\r\n".join(rows) + "\r\n")
        return folder

    # ------------------------------------------------------------------------------------------------------------
    # What docs/reconciliation.md says the report holds

    def in_force(self):
        """Per SKPD, the latest budget version present."""
        out = {}
        for tahap in ("murni", "pergeseran", "perubahan"):
            for skpd, _, _, _, _ in self.budget[tahap]:
                out[skpd] = tahap
        return out

    def ceilings(self):
        """(skpd, sub, akun) -> the pagu of the version in force; 0 for a line only earlier versions have."""
        force = self.in_force()
        out = {}
        for tahap, items in self.budget.items():
            for skpd, sub, akun, pagu, _ in items:
                out.setdefault((skpd, sub, akun), 0)
                if force[skpd] == tahap:
                    out[(skpd, sub, akun)] = pagu
        return out

    def plans_in_force(self):
        """(skpd, sub) -> (pagu, record key): RKPD before Renja; within one, perubahan before final; drafts are no plan."""
        rank = {("RKPD", "perubahan"): 4, ("RKPD", "final"): 3, ("RENJA", "perubahan"): 2, ("RENJA", "final"): 1}
        best = {}
        for tahun, dokumen, tahapan, skpd, sub, pagu in self.plans:
            r = rank.get((dokumen, tahapan))
            if tahun != 2024 or r is None:
                continue
            if (skpd, sub) not in best or r > best[(skpd, sub)][0]:
                best[(skpd, sub)] = (r, pagu, "%d|%s|%s|%s|%s" % (tahun, dokumen, tahapan, skpd, sub))
        return {k: (v[1], v[2]) for k, v in best.items()}

    def expected_findings(self):
        out = []

        def add(kind, skpd, sub, akun, amount, records):
            out.append((kind, skpd, sub, akun, dec(amount), tuple(sorted(records))))

        force = self.in_force()
        ceilings = self.ceilings()
        plans = self.plans_in_force()
        budget_key = lambda tahap, s, u, a: "2024|%s|%s|%s|%s" % (tahap, s, u, a)
        in_force_subs = {}
        for skpd, sub, akun, pagu, _ in self.budget_lines_in_force():
            in_force_subs[(skpd, sub)] = in_force_subs.get((skpd, sub), 0) + pagu
        for (skpd, sub), (pagu, key) in plans.items():
            if (skpd, sub) not in in_force_subs:
                add("planned_not_budgeted", skpd, sub, None, pagu, [key])
        for (skpd, sub), total in in_force_subs.items():
            if (skpd, sub) not in plans:
                keys = [budget_key(force[skpd], s, u, a) for s, u, a, _, _ in self.budget_lines_in_force() if (s, u) == (skpd, sub)]
                add("budgeted_not_planned", skpd, sub, None, total, keys)
        spent = {}
        for d in self.sp2d:
            spent.setdefault((d["skpd"], d["sub"], d["akun"]), []).append(d)
        for key, ds in spent.items():
            total = sum(d["nilai"] for d in ds)
            if key not in ceilings:
                add("orphan_disbursement", *key, total, [d["key"] for d in ds])
            elif total > ceilings[key]:
                # The records: the line in force that sets the ceiling (none when the version in force dropped it), and
                # the SP2D lines.
                line = [budget_key(force[key[0]], *key)] if any(l[:3] == key for l in self.budget_lines_in_force()) else []
                add("over_ceiling", *key, total - ceilings[key], line + [d["key"] for d in ds])
        by_no = {}
        for d in self.sp2d:
            by_no.setdefault(d["no"], []).append(d)
        for no, ds in by_no.items():
            if len({(d["date"], d["spm"]) for d in ds}) > 1:
                add("duplicate_sp2d_number", ds[0]["skpd"], ds[0]["sub"], None, sum(d["nilai"] for d in ds), [d["key"] for d in ds])
        for tahap, items in self.budget.items():
            for skpd, sub, akun, pagu, kas in items:
                if sum(kas) != pagu:
                    add("inconsistent_amounts", skpd, sub, akun, sum(kas) - pagu, [budget_key(tahap, skpd, sub, akun)])
        for d in self.sp2d:
            if d["potongan"] is not None and d["potongan"] > d["nilai"]:
                add("inconsistent_amounts", d["skpd"], d["sub"], d["akun"], d["potongan"] - d["nilai"], [d["key"]])

        # Code checks: one finding per record, whatever it breaks.
        def broken(skpd, sub, akun):
            s = sub.split(".")
            held = SKPDS[skpd][1]
            return s[3] != "2" or (sub[:4] != "X.XX" and sub[:4] not in held) or (akun is not None and not akun.startswith("5."))
        for tahun, dokumen, tahapan, skpd, sub, pagu in self.plans:
            if broken(skpd, sub, None):
                add("invalid_code", skpd, sub, None, pagu, ["%d|%s|%s|%s|%s" % (tahun, dokumen, tahapan, skpd, sub)])
        for tahap, items in self.budget.items():
            for skpd, sub, akun, pagu, _ in items:
                if broken(skpd, sub, akun):
                    add("invalid_code", skpd, sub, akun, pagu, [budget_key(tahap, skpd, sub, akun)])
        for d in self.sp2d:
            if broken(d["skpd"], d["sub"], d["akun"]):
                add("invalid_code", d["skpd"], d["sub"], d["akun"], d["nilai"], [d["key"]])
        return out

    def expected_recipients(self):
        """(kind, source key, amount) of each line paying someone the registry says had died or moved away by the
        SP2D date (the row version with the latest TGL_UPDATE not after it), or does not know."""
        out = []
        for d in self.sp2d:
            if not d["recipient"]:
                continue
            history = self.status.get(d["recipient"][1])
            if history is None:
                out.append(("recipient_not_in_registry", d["key"], dec(d["nilai"])))
                continue
            status = [st for day, st in history if day <= d["date"]][-1]
            if status != "HIDUP":
                out.append(("recipient_deceased" if status == "MATI" else "recipient_moved_out", d["key"], dec(d["nilai"])))
        return sorted(out)

    def budget_lines_in_force(self):
        force = self.in_force()
        return [line for tahap, items in self.budget.items() for line in items if force[line[0]] == tahap]

    def expected_subs(self):
        """(skpd, sub) -> the roll-up's figures of that sub kegiatan."""
        plans = self.plans_in_force()
        force = self.in_force()
        out = {}

        def entry(skpd, sub):
            return out.setdefault((skpd, sub), {"plan": 0, "budget": {}, "budget_in_force": 0, "realisation": 0,
                                                "kas": [0] * 12, "monthly": [0] * 12})
        for (skpd, sub), (pagu, _) in plans.items():
            entry(skpd, sub)["plan"] = pagu
        for tahap, items in self.budget.items():
            for skpd, sub, akun, pagu, kas in items:
                e = entry(skpd, sub)
                e["budget"][tahap] = e["budget"].get(tahap, 0) + pagu
                if force[skpd] == tahap:
                    e["budget_in_force"] += pagu
                    e["kas"] = [a + b for a, b in zip(e["kas"], kas)]
        for d in self.sp2d:
            e = entry(d["skpd"], d["sub"])
            e["realisation"] += d["nilai"]
            e["monthly"][int(d["date"][5:7]) - 1] += d["nilai"]
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--subs", type=int, default=3, help="sub kegiatan per SKPD urusan, programme and kegiatan")
    ap.add_argument("--keep")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = args.keep or tempfile.mkdtemp(prefix="heldout-reconcile-")
    if args.keep:
        shutil.rmtree(out, ignore_errors=True)
    for d in ("perencanaan", "penganggaran", "simda", "siak"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    year = Year(rng, args.subs)
    year.registry(out)
    simda = year.write(out)

    binary = simpul_binary()
    env = dict(os.environ, SIMPUL_HOME=ROOT)
    db = os.path.join(out, "simpul.db")

    def run(*a):
        return subprocess.run([binary] + list(a) + ["--db", db], env=env, check=True, capture_output=True, text=True).stdout
    run("init")
    problems = []
    for n in range(3):  # the snapshots in the order Dukcapil sent them
        run("ingest", "--connector", "dukcapil-siak", os.path.join(out, "siak", "biodata_%d.csv" % n), "--json")
    for connector, folder in (("sipd-perencanaan", "perencanaan"), ("sipd-penganggaran", "penganggaran"), (simda, "simda")):
        s = json.loads(run("ingest", "--connector", connector, os.path.join(out, folder), "--json"))
        if s["dead_lettered"] or any(f["rejected_file"] for f in s["files"]):
            problems.append("%s: %d rows dead-lettered (every row written is valid input)" % (folder, s["dead_lettered"]))
    report = json.loads(run("reconcile", "--year", "2024", "--format", "json"))

    # Findings, as a multiset of (kind, codes, amount, records).
    want = {}
    for f in year.expected_findings():
        want[f] = want.get(f, 0) + 1
    got = {}
    for f in report["findings"]:
        k = (f["kind"], f["kode_skpd"], f["kode_sub_kegiatan"], f.get("kode_akun"), f["amount"], tuple(sorted(f.get("records", []))))
        got[k] = got.get(k, 0) + 1
    for k in sorted(set(want) | set(got), key=str):
        if want.get(k, 0) != got.get(k, 0):
            problems.append("finding %s %s %s %s amount %s records %s: expected %d, reported %d"
                            % (k[0], k[1], k[2], k[3], k[4], " ".join(k[5][:3]) + (" …" if len(k[5]) > 3 else ""),
                               want.get(k, 0), got.get(k, 0)))
    kinds = {}
    for k, n in want.items():
        kinds[k[0]] = kinds.get(k[0], 0) + n

    # The roll-up's sub kegiatan.
    subs = {}

    def walk(node, skpd):
        if node["level"] == "skpd":
            skpd = node["kode"]
        if node["level"] == "sub_kegiatan":
            subs[(skpd, node["kode"])] = node
        for c in node.get("children", []):
            walk(c, skpd)
    for n in report["rollup"]:
        walk(n, None)
    expected = year.expected_subs()
    for key in sorted(set(expected) | set(subs)):
        e, g = expected.get(key), subs.get(key)
        if e is None or g is None:
            problems.append("sub kegiatan %s %s: %s" % (key[0], key[1], "not in the roll-up" if g is None else "not expected in the roll-up"))
            continue
        checks = [("plan", dec(e["plan"]) if e["plan"] else None, g.get("plan")),
                  ("budget", {t: dec(v) for t, v in e["budget"].items()}, g.get("budget") or {}),
                  ("budget_in_force", dec(e["budget_in_force"]), g.get("budget_in_force")),
                  ("realisation", dec(e["realisation"]), g.get("realisation")),
                  ("absorption_pct", pct(e["realisation"], e["budget_in_force"]), g.get("absorption_pct")),
                  ("monthly realisation", [dec(v) for v in e["monthly"]], [m["realisation"] for m in g.get("monthly", [])]),
                  ("monthly anggaran kas", [dec(v) for v in e["kas"]], [m["anggaran_kas"] for m in g.get("monthly", [])])]
        for name, want_v, got_v in checks:
            if name == "plan" and want_v is None and got_v in (None, "0.00"):
                continue
            if want_v != got_v:
                problems.append("sub kegiatan %s %s, %s: expected %s, reported %s" % (key[0], key[1], name, want_v, got_v))

    # The spreadsheets a budget officer opens: the findings and the sub kegiatan rows say what the JSON says, in
    # Indonesian number format (decimal comma, no thousands separators), `;` between fields, a BOM, CRLF.
    def csv_rows(*extra):
        text = subprocess.run([binary, "reconcile", "--year", "2024", "--format", "csv"] + list(extra) + ["--db", db], env=env,
                              check=True, capture_output=True).stdout.decode("utf-8")
        if not text.startswith("\ufeff") or "\r\n" not in text:
            problems.append("CSV %s: no byte-order mark or not CRLF" % " ".join(extra))
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))[1:]
    comma = lambda amount: amount.replace(".", ",") if amount is not None else ""
    got_csv = sorted((r[0], r[1], r[2], r[3], r[4], tuple(sorted(r[6].split()))) for r in csv_rows("--findings"))
    want_csv = sorted((k[0], k[1], k[2], k[3] or "", comma(k[4]), k[5]) for k, n in want.items() for _ in range(n))
    if got_csv != want_csv:
        problems.append("findings CSV: %d rows, %d expected; first difference %s"
                        % (len(got_csv), len(want_csv), next((a, b) for a, b in zip(got_csv + [None] * len(want_csv), want_csv + [None] * len(got_csv)) if a != b)))
    for r in csv_rows():
        if r[0] != "sub_kegiatan":
            continue
        e = next((v for (skpd, sub), v in expected.items() if sub == r[1]), None)
        owners = [skpd for skpd, sub in expected if sub == r[1]]
        if e is None or len(owners) != 1:
            continue  # a code two SKPDs share: its row is told apart by the SKPD row above it
        row = (r[3], r[7], r[8])
        want_row = (comma(dec(e["plan"])), comma(dec(e["budget_in_force"])), comma(dec(e["realisation"])))
        if row != want_row:
            problems.append("roll-up CSV, sub kegiatan %s: plan, budget in force, realisation %s, expected %s" % (r[1], row, want_row))

    # Totals.
    plans = year.plans_in_force()
    totals = {"plan": dec(sum(p for p, _ in plans.values())),
              "budget": dec(sum(l[3] for l in year.budget_lines_in_force())),
              "realisation": dec(sum(d["nilai"] for d in year.sp2d))}
    for k, v in totals.items():
        if report["totals"].get(k) != v:
            problems.append("total %s: expected %s, reported %s" % (k, v, report["totals"].get(k)))

    # Pemadanan penerima: recipients against the registry in force at each SP2D date.
    rec = json.loads(run("reconcile", "--year", "2024", "--recipients", "--format", "json"))
    got_r = sorted((f["kind"], f["source_key"], f["amount"]) for f in rec["findings"])
    want_r = year.expected_recipients()
    for k in sorted(set(got_r) ^ set(want_r)):
        problems.append("recipients: %s %s amount %s: %s" % (k[0], k[1], k[2], "expected, not reported" if k in want_r else "reported, not expected"))
    paid = [d for d in year.sp2d if d["recipient"]]
    if rec["checked"] != {"lines": len(paid), "amount": dec(sum(d["nilai"] for d in paid))}:
        problems.append("recipients checked %s, expected %d lines" % (rec["checked"], len(paid)))
    rkinds = {}
    for k in want_r:
        rkinds[k[0]] = rkinds.get(k[0], 0) + 1

    print("held-out reconciliation, seed %d: %d plan rows, %s budget lines, %d SP2D lines; %d sub kegiatan; findings %s"
          % (args.seed, len(year.plans), "/".join(str(len(year.budget[t])) for t in ("murni", "pergeseran", "perubahan")),
             len(year.sp2d), len(expected), ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))
    print("  recipients: %d lines paying individuals; %s" % (len([d for d in year.sp2d if d["recipient"]]),
                                                          ", ".join("%s %d" % kv for kv in sorted(rkinds.items()))))
    finish(problems, out, args.keep, "every finding, sub kegiatan and total as docs/reconciliation.md says")


if __name__ == "__main__":
    main()
