#!/usr/bin/env python3
"""A held-out ingest check, written from ../shared/SOURCES.md alone (no code, sample or list of the hub).

    scripts/heldout_ingest.py [--seed N] [--rows N] [--keep DIR]

Writes exports of all six reference source systems with the quirks SOURCES.md calls normal input (BOMs, CRLF,
quoted separators, NIKs with spaces, dots or in scientific notation, Indonesian month names, `Rp` amounts, 2-digit
sub kegiatan codes, SQL Server datetimes, NULLs, interleaved SP2D lines, another pemda's crosswalk files) and rows
SOURCES.md says must be rejected, each with the value the shared schemas should hold or the field the dead letter
should name. Then it runs the `simpul` binary as a user would (init, ingest --json, topics read, dlq list, persons
export, reconcile, a newer SIAK snapshot, replay, every file again, and the SiCantik and OSS files pushed to a second
hub over HTTP) and compares. Prints every difference; exits 1 if there is any.

The binary: $SIMPUL_BIN, else .build/release/simpul, else .build/debug/simpul.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import socket
import tempfile
import time

from heldout_common import ROOT, finish

BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember"]
# Real Kemendagri kecamatan of Gorontalo (75.71 Kota Gorontalo, 75.01 Kab. Gorontalo) and Makassar (73.71).
KECAMATAN = [("75", "71", "01"), ("75", "71", "02"), ("75", "71", "03"), ("75", "71", "04"), ("75", "01", "05"),
             ("75", "01", "10"), ("73", "71", "01"), ("73", "71", "03")]
GIVEN = ["SITI", "NUR", "RAHMAT", "YUSUF", "FATMAWATI", "HENDRA", "MARYAM", "IRFAN", "DEWI", "AGUS", "WAHYU",
         "RISKA", "ANDI", "KADEK", "NI LUH", "YOHANES", "MEILANI", "SRI", "ABDUL", "RAHMAWATI"]
FAMILY = ["AMINAH", "HASAN", "PAKAYA", "MOHAMAD", "LATIF", "GOBEL", "NUSI", "DAUD", "SANTOSO", "WIBOWO", "TAN",
          "PONTOH", "SUMAMPOW", "KARIM", "ISMAIL", "LAMATENGGO"]
TITLES_BEFORE = ["H.", "HJ.", "DRS.", "Dr.", "Ir."]
TITLES_AFTER = [", S.PD", ", S.E.", ", M.SI", ", S.KOM"]


class Truth:
    def __init__(self):
        self.files = {}        # basename -> {"read","accepted","unchanged","dead_lettered","rejected_file"}
        self.records = []      # (schema, match: dict, expected: dict, absent: list)
        self.dead = []         # (connector, file basename, line, field or None)
        self.mentions = set()  # mention keys of SOURCES.md: <connector>:<key>
        self.snapshot = None   # the next SIAK snapshot's expected counts
        self.duplicate_sp2d = None  # an SP2D number used under two dates

    def file(self, name, read, accepted, dead, rejected=False):
        self.files[name] = {"read": read, "accepted": accepted, "unchanged": 0, "dead_lettered": dead,
                            "rejected_file": rejected}

    def record(self, schema, match, expected, absent=()):
        self.records.append((schema, match, expected, list(absent)))


def nik_for(rng, kec, birth, female):
    day = birth[2] + (40 if female else 0)
    return "%s%s%s%02d%02d%02d%04d" % (kec[0], kec[1], kec[2], day, birth[1], birth[0] % 100, rng.randint(1, 60))


def real_date(rng, lo=1940, hi=2006):
    y = rng.randint(lo, hi)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    return (y, m, d)


def iso(d):
    return "%04d-%02d-%02d" % d


def money(n_cents):
    return "%d.%02d" % (n_cents // 100, n_cents % 100)


def dotted_thousands(n):
    return "{:,}".format(n).replace(",", ".")


def dotted_wilayah(code):
    """A kode wilayah, dotted or not, as the canonical dotted text: 7571011001 -> 75.71.01.1001."""
    c = code.replace(".", "")
    return ".".join(x for x in (c[:2], c[2:4], c[4:6], c[6:]) if x)


def noisy_name(rng, name):
    """A name as a clerk typed it, and the name the schema should hold."""
    shown = name
    if rng.random() < 0.2:
        shown = shown.lower() if rng.random() < 0.5 else shown.title()
    if rng.random() < 0.2:
        shown = shown.replace(" ", "  ", 1)
    if rng.random() < 0.15:
        shown = " " + shown + " "
    if rng.random() < 0.2:
        shown = rng.choice(TITLES_BEFORE) + " " + shown
    if rng.random() < 0.2:
        shown = shown + rng.choice(TITLES_AFTER)
    return shown, name


def csv_field(value, sep, force_quote=False):
    if force_quote or sep in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


# ---------------------------------------------------------------------------------------------------------------
# 1. Dukcapil SIAK

SIAK_HEADER = ("NIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;AGAMA;STAT_KWN;STAT_HBKEL;PDDK_AKH;JENIS_PKRJN;"
               "ALAMAT;NO_RT;NO_RW;NO_PROP;NO_KAB;NO_KEC;NO_KEL;NIK_IBU;NIK_AYAH;STAT_PDDK;TGL_UPDATE").split(";")
AGAMA = {1: "islam", 2: "kristen", 3: "katolik", 4: "hindu", 5: "buddha", 6: "khonghucu", 7: "kepercayaan"}
KAWIN = {1: "belum_kawin", 2: "kawin", 3: "cerai_hidup", 4: "cerai_mati"}


def siak_people(rng, n):
    people = []
    seen = set()
    while len(people) < n:
        kec = rng.choice(KECAMATAN)
        female = rng.random() < 0.5
        birth = real_date(rng)
        nik = nik_for(rng, kec, birth, female)
        if nik in seen:
            continue
        seen.add(nik)
        name = rng.choice(GIVEN) + " " + rng.choice(FAMILY)
        desa = rng.choice([1001, 1002, 1005, 2003, 2011])
        people.append({
            "nik": nik, "kk": "%s%s%s0101%02d%04d" % (kec[0], kec[1], kec[2], rng.randint(10, 23), rng.randint(1, 999)),
            "name": name, "female": female, "birth": birth, "kec": kec, "desa": desa,
            "agama": rng.randint(1, 7), "kawin": rng.randint(1, 4), "hbkel": rng.randint(1, 11),
            "alamat": rng.choice(["JL. PANJAITAN NO. %d", "JL. SAM RATULANGI; LR. %d", 'KOMPLEKS "GRIYA" BLOK %d',
                                  "DUSUN %d", "JL. AGUS SALIM\nLR. %d"]) % rng.randint(1, 99),
            "ibu": rng.choice(["", "0", nik_for(rng, kec, real_date(rng, 1940, 1970), True)]),
            "stat": rng.choice(["HIDUP"] * 8 + ["MATI", "PINDAH"]),
            "tempat": rng.choice(["GORONTALO", "Gorontalo", "MAKASSAR", "LIMBOTO"]),
            "codes": [str(rng.randint(1, 10)), str(rng.randint(1, 89)), "%03d" % rng.randint(1, 12),
                      "%03d" % rng.randint(1, 8)],
            "update": "2024-%02d-%02d %02d:%02d:%02d" % (rng.randint(1, 10), rng.randint(1, 28), rng.randint(0, 23),
                                                          rng.randint(0, 59), rng.randint(0, 59)),
        })
    return people


def siak_row(rng, p, sep=";", quote_all=False, typed_name=None):
    d = p["birth"]
    fields = [p["nik"], p["kk"], typed_name if typed_name is not None else p["name"], "2" if p["female"] else "1",
              p["tempat"], "%02d-%02d-%04d" % (d[2], d[1], d[0]), str(p["agama"]), str(p["kawin"]), str(p["hbkel"]),
              p["codes"][0], p["codes"][1], p["alamat"], p["codes"][2], p["codes"][3], str(int(p["kec"][0])),
              str(int(p["kec"][1])), str(int(p["kec"][2])), str(p["desa"]), p["ibu"], "", p["stat"], p["update"]]
    return sep.join(csv_field(f, sep, quote_all and rng.random() < 0.5) for f in fields)


def siak_expected(truth, p, version=1):
    d = p["birth"]
    k = p["kec"]
    expected = {"nik": p["nik"], "nama": p["name"], "jenis_kelamin": "P" if p["female"] else "L",
                "tanggal_lahir": iso(d), "agama": AGAMA[p["agama"]], "status_kawin": KAWIN[p["kawin"]],
                "kode_wilayah": "%s.%s.%s.%d" % (k[0], k[1], k[2], p["desa"]), "alamat": " ".join(p["alamat"].split()),
                "no_kk": p["kk"], "tgl_update": p["update"].replace(" ", "T"), "version": version,
                "source_system": "Dukcapil SIAK"}
    absent = []
    if p["ibu"] in ("", "0"):
        absent.append("nik_ibu")
    else:
        expected["nik_ibu"] = p["ibu"]
    truth.record("citizen", {"source_key": p["nik"]}, expected, absent)


def write_siak(rng, out, truth, n):
    people = siak_people(rng, n)
    lines = [";".join(SIAK_HEADER)]
    names = {}
    for p in people:
        typed, _ = noisy_name(rng, p["name"])
        names[p["nik"]] = typed
        lines.append(siak_row(rng, p, typed_name=typed))
    # Rows SOURCES.md says the registry rejects, each a person of its own (a NIK no other row has).
    dead_lines = []
    for field in ["NIK", "NIK", "TGL_LHR", "NAMA_LGKP", None, "stray quote"]:
        p = dict(rng.choice(people))
        p["nik"] = p["nik"][:12] + "9%03d" % len(dead_lines)
        if field == "NIK":
            row = siak_row(rng, p)
            cut = p["nik"][:15] if not dead_lines else p["nik"][:10] + "O" + p["nik"][11:]
            row = cut + row[16:]
        elif field == "TGL_LHR":
            row = siak_row(rng, p).replace("%02d-%02d-%04d" % (p["birth"][2], p["birth"][1], p["birth"][0]),
                                           "31-02-%04d" % p["birth"][0], 1)
        elif field == "NAMA_LGKP":
            row = siak_row(rng, p, typed_name="  ")
        elif field is None:
            row = siak_row(rng, p) + ";EXTRA"
        else:
            # A quote opened and never closed (`"JL. TANPA AKHIR`): it costs its line, nothing after it.
            p["alamat"] = "JL. TANPA AKHIR"
            row = siak_row(rng, p).replace(";JL. TANPA AKHIR;", ';"JL. TANPA AKHIR;')
            field = None
        lines.insert(rng.randint(2, len(lines)), row)
        dead_lines.append((row, field))
    text = "\ufeff" + "\r\n".join(lines) + "\r\n"
    with open(os.path.join(out, "siak", "biodata_2024-11.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(text)
    for row, field in dead_lines:
        at = lines.index(row)
        physical = 1 + at + sum(line.count("\n") for line in lines[:at])
        truth.dead.append(("dukcapil-siak", "biodata_2024-11.csv", physical, field))
    truth.file("biodata_2024-11.csv", len(lines) - 1, len(people), len(dead_lines))

    # The next month's snapshot: no BOM, LF, fields quoted at random (the same fields: unchanged); a few rows
    # with a newer TGL_UPDATE (moved, died): new versions of those rows only.
    changed = set(rng.sample(range(len(people)), max(3, n // 20)))
    lines2 = [";".join(SIAK_HEADER)]
    for i, p in enumerate(people):
        if i in changed:
            p = dict(p)
            p["alamat"] = "JL. BARU NO. %d" % rng.randint(100, 199)
            p["update"] = "2024-12-%02d 10:00:00" % rng.randint(1, 20)
            siak_expected(truth, p, version=2)
        else:
            siak_expected(truth, p, version=1)
        lines2.append(siak_row(rng, p, quote_all=True, typed_name=names[p["nik"]]))
    truth.mentions.update("dukcapil-siak:" + p["nik"] for p in people)
    truth.snapshot = {"file": "biodata_2024-12.csv", "read": len(people), "accepted": len(changed),
                      "unchanged": len(people) - len(changed)}
    with open(os.path.join(out, "siak-next", "biodata_2024-12.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines2) + "\n")
    return people


# ---------------------------------------------------------------------------------------------------------------
# 2. SiCantik

def sicantik_birth(rng, d):
    """(shown, expected) for tgl_lahir_pemohon in one of the shapes SOURCES.md lists."""
    shape = rng.randint(0, 4)
    if shape == 0:
        return None, None
    if shape == 1:
        return iso(d), iso(d)
    if shape == 2:
        return "%02d/%02d/%04d" % (d[2], d[1], d[0]), iso(d)
    if shape == 3:
        return "%d %s %04d" % (d[2], BULAN[d[1] - 1], d[0]), iso(d)
    return "%02d %s %04d" % (d[2], BULAN[d[1] - 1], d[0]), iso(d)


def sicantik_nik(rng, nik):
    """(shown, expected nik_pemohon or None); plain NIKs twice as often as each noisy shape."""
    shape = rng.randint(0, 5)
    if shape == 1:
        return "%s %s %s %s" % (nik[:4], nik[4:8], nik[8:12], nik[12:]), nik
    if shape == 2:
        return "%s.%s.%s" % (nik[:6], nik[6:12], nik[12:]), nik
    if shape == 3:
        return "", None
    if shape == 4:
        return "%s.%sE+15" % (nik[0], nik[1:6]), None
    return nik, nik


def sicantik_money(rng):
    """(shown retribusi, expected decimal text)."""
    rupiah = rng.choice([0, 50000, 150000, 1250000, 7500000, 12345678])
    shape = rng.randint(0, 4)
    if shape == 0:
        return rupiah, money(rupiah * 100)
    if shape == 1:
        return "Rp %s" % dotted_thousands(rupiah), money(rupiah * 100)
    if shape == 2:
        return "Rp%s,00" % dotted_thousands(rupiah), money(rupiah * 100)
    if shape == 3:
        return rupiah + 0.5, money(rupiah * 100 + 50)
    return "Rp %s,50" % dotted_thousands(rupiah), money(rupiah * 100 + 50)


def write_sicantik(rng, out, truth, people, pages, per_page):
    next_id = 500001
    for page in range(1, pages + 1):
        items = []
        expectations = []
        dead = []
        for i in range(per_page):
            p = rng.choice(people)
            ident = next_id
            next_id += 1
            d = p["birth"]
            shown_birth, exp_birth = sicantik_birth(rng, d)
            shown_nik, exp_nik = sicantik_nik(rng, p["nik"])
            shown_name, exp_name = noisy_name(rng, p["name"])
            shown_money, exp_money = sicantik_money(rng)
            k = p["kec"]
            wilayah = "%s.%s.%s.%d" % (k[0], k[1], k[2], p["desa"])
            status = rng.choice(["Proses", "Selesai", "Ditolak", "Dicabut"])
            item = {"id_permohonan": ident, "no_permohonan": "PMH/%d/DPMPTSP/2024" % ident,
                    "jenis_izin": rng.choice(["Izin Usaha Mikro", "Izin Praktik Bidan", "Izin Reklame"]),
                    "kode_jenis_izin": rng.choice(["IUM", "IPB", "IRK"]), "nik_pemohon": shown_nik,
                    "nama_pemohon": shown_name, "alamat_pemohon": p["alamat"],
                    "tempat_lahir_pemohon": rng.choice([None, "GORONTALO"]), "tgl_lahir_pemohon": shown_birth,
                    "tgl_pengajuan": "2024-%02d-%02d 09:%02d:00" % (rng.randint(1, 9), rng.randint(1, 28),
                                                                    rng.randint(0, 59)),
                    "updated_at": "2024-10-01 08:00:00",
                    "tgl_penetapan": rng.choice([None, "2024-10-01"]), "masa_berlaku_sampai": None,
                    "no_izin": None, "status": status, "retribusi": shown_money,
                    "kode_wilayah": wilayah.replace(".", "") if rng.random() < 0.5 else wilayah,
                    "opd_penerbit": "DPMPTSP Kota Gorontalo"}
            fault = rng.random()
            if fault < 0.04:
                del item["id_permohonan"]
                dead.append((i, "id_permohonan"))
            elif fault < 0.08:
                item["tgl_pengajuan"] = "2024-13-45 09:00:00"
                dead.append((i, "tgl_pengajuan"))
            elif fault < 0.11:
                item["retribusi"] = rng.choice([-50000, "Rp -50.000", "-50000"])
                dead.append((i, "retribusi"))
            elif fault < 0.13:
                item["retribusi"] = rng.choice(["gratis", "Rp", "1.2.3,4,5"])
                dead.append((i, "retribusi"))
            else:
                expected = {"no_permohonan": item["no_permohonan"], "nama_pemohon": exp_name,
                            "retribusi": exp_money, "kode_wilayah": wilayah, "status": status.lower(),
                            "tgl_pengajuan": item["tgl_pengajuan"].replace(" ", "T"),
                            "source_system": "SiCantik"}
                absent = []
                if exp_birth:
                    expected["tanggal_lahir_pemohon"] = exp_birth
                else:
                    absent.append("tanggal_lahir_pemohon")
                if exp_nik:
                    expected["nik_pemohon"] = exp_nik
                else:
                    absent.append("nik_pemohon")
                    if shown_nik:
                        expected["nik_pemohon_asli"] = shown_nik
                expectations.append((str(ident), expected, absent))
                truth.mentions.add("sicantik:%d" % ident)
            items.append(item)
        name = "permohonan_page%03d.json" % page
        if page % 2:
            # One item per line, as many API clients save a page: the item's line is its position + 2.
            text = ('{"status":"success","page":%d,"total_page":%d,"data":[\n' % (page, pages) +
                    ",\n".join(json.dumps(it, ensure_ascii=False) for it in items) + "\n]}\n")
            item_line = [i + 2 for i in range(len(items))]
        else:
            # Pretty-printed (a browser's "save as"): an item's line is where its "{" stands.
            text = json.dumps({"status": "success", "page": page, "total_page": pages, "data": items},
                              indent=2, ensure_ascii=False)
            starts = [n + 1 for n, line in enumerate(text.split("\n")) if line == "    {"]
            item_line = starts
        with open(os.path.join(out, "sicantik", name), "w", encoding="utf-8") as f:
            f.write(text)
        for key, expected, absent in expectations:
            truth.record("permit", {"source_key": key}, expected, absent)
        for i, field in dead:
            truth.dead.append(("sicantik", name, item_line[i], field))
        truth.file(name, len(items), len(items) - len(dead), len(dead))
    # A page cut off mid-transfer: a rejected file, reported by name, nothing else lost.
    with open(os.path.join(out, "sicantik", "permohonan_page999.json"), "w", encoding="utf-8") as f:
        f.write('{"status":"success","page":999,"total_page":999,"data":[{"id_permohonan":999001,"nama_pem')
    truth.file("permohonan_page999.json", 0, 0, 0, rejected=True)
    truth.dead.append(("sicantik", "permohonan_page999.json", 0, None))     # the file itself, to retry


# ---------------------------------------------------------------------------------------------------------------
# 3. OSS RBA

def write_oss(rng, out, truth, people, n):
    lines = []
    dead = []
    nib_base = 9120300100000
    for i in range(n):
        nib = str(nib_base + i * 7)
        npwp_digits = "%015d" % rng.randint(10 ** 13, 10 ** 15 - 1)
        npwp_shape = rng.randint(0, 2)
        if npwp_shape == 0:
            npwp = "%s.%s.%s.%s-%s.%s" % (npwp_digits[:2], npwp_digits[2:5], npwp_digits[5:8], npwp_digits[8],
                                          npwp_digits[9:12], npwp_digits[12:])
        elif npwp_shape == 1:
            npwp = npwp_digits
        else:
            npwp_digits = "0" + npwp_digits
            npwp = npwp_digits
        pj = []
        mentions = rng.choice([0, 1, 1, 1, 2, 3])
        for _ in range(mentions):
            p = rng.choice(people)
            pj.append({"nik": p["nik"], "nama": rng.choice([p["name"], p["name"].title()]),
                       "jabatan": rng.choice(["Pemilik", "Direktur", "Komisaris"])})
        izin = []
        for j in range(rng.choice([0, 1, 1, 2, 3])):
            izin.append({"id_izin": "I-2024%02d%014d" % (rng.randint(1, 9), i * 10 + j),
                         "jenis_izin": rng.choice(["Sertifikat Standar", "Izin"]), "kbli": "41011",
                         "status_kode": rng.choice(["50", "57", "90", "10"]), "tgl_terbit": "2024-03-04"})
        k = rng.choice(KECAMATAN)
        kd = "%s%s%s%04d" % (k[0], k[1], k[2], rng.choice([1001, 2002]))
        line = {"nib": nib, "tgl_terbit_nib": "2022-12-04",
                "nama_perusahaan": rng.choice(["CV TAMBA JAYA %d", "PT  Sinar   Gorontalo %d", "ud maju %d"]) % i,
                "jenis_perseroan": rng.choice(["CV", "PT", "UD"]), "npwp_perseroan": npwp,
                "alamat_usaha": "Gang Kendalsari No. %d" % i, "kd_daerah": kd, "penanggung_jawab": pj,
                "kbli": [{"kode": "41011", "judul": "Konstruksi Gedung Hunian", "risiko": rng.choice(["R", "MR", "MT", "T"])}],
                "izin": izin, "updated_at": "2024-0%d-04 10:00:00" % rng.randint(1, 9)}
        fault = rng.random()
        if fault < 0.05:
            line["nib"] = nib[:12]
            lines.append(json.dumps(line))
            dead.append((len(lines), "nib"))
            continue
        if fault < 0.08:
            lines.append(json.dumps(line)[:-7])        # a line cut short: not JSON
            dead.append((len(lines), None))
            continue
        if rng.random() < 0.2:
            line["nib"] = int(nib)           # a code typed as a number: still the same 13 digits
        lines.append(json.dumps(line))
        truth.record("business", {"source_key": nib},
                     {"nib": nib, "npwp": npwp_digits, "kode_wilayah": dotted_wilayah(kd),
                      "nama_perusahaan": " ".join(line["nama_perusahaan"].upper().split()),
                      "tgl_terbit_nib": "2022-12-04", "source_system": "OSS RBA"})
        truth.mentions.update("oss-rba:%s#%d" % (nib, i) for i in range(len(pj)))
        for z in izin:
            truth.record("permit", {"source_key": z["id_izin"]},
                         {"id_izin": z["id_izin"], "status_kode": z["status_kode"], "source_system": "OSS RBA"})
    with open(os.path.join(out, "oss", "oss_nib_2024.ndjson"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    for line_no, field in dead:
        truth.dead.append(("oss-rba", "oss_nib_2024.ndjson", line_no, field))
    truth.file("oss_nib_2024.ndjson", len(lines), len(lines) - len(dead), len(dead))


# ---------------------------------------------------------------------------------------------------------------
# 4. SIPD perencanaan

SKPD = ["1.02.0.00.0.00.01.0000", "1.01.0.00.0.00.01.0000", "2.07.3.32.0.00.01.0000"]


def write_perencanaan(rng, out, truth, n):
    header = ("tahun,dokumen,tahapan,kode_skpd,nama_skpd,kode_sub_kegiatan,nama_sub_kegiatan,indikator,target,"
              "satuan,pagu_indikatif,kode_lokasi").split(",")
    rows = []
    dead = []
    seen = set()
    while len(rows) < n:
        tahun = rng.choice([2023, 2024])
        dokumen = rng.choice(["RKPD", "RENJA"])
        tahapan = rng.choice(["rancangan_awal", "rancangan", "final", "perubahan"])
        skpd = rng.choice(SKPD)
        sub4 = "%s.%02d.2.%02d.%04d" % (skpd[:4], rng.randint(1, 3), rng.randint(1, 9), rng.randint(1, 30))
        key = (tahun, dokumen, tahapan, skpd, sub4)
        if key in seen:
            continue
        seen.add(key)
        sub_shown = sub4[:-4] + sub4[-2:] if (tahun == 2023 and rng.random() < 0.7) else sub4
        rupiah = rng.randint(1, 5000) * 1000000
        pagu = rng.choice([dotted_thousands(rupiah) + ",00", str(rupiah)])
        lokasi_codes = rng.sample(["7571011001", "75.71.02.1002", "75.71.03", "7501"], rng.randint(1, 2))
        fields = [str(tahun), dokumen, tahapan, skpd, "Dinas, \"Kesehatan\"", sub_shown, "Pelayanan  Kesehatan",
                  "Cakupan layanan", str(rng.randint(1, 100)), "persen", pagu, "|".join(lokasi_codes)]
        fault = rng.random()
        field = None
        if fault < 0.05:
            fields[5] = sub4.replace(".2.", ".X.")
            field = "kode_sub_kegiatan"
        elif fault < 0.09:
            fields[10] = "-" + pagu
            field = "pagu_indikatif"
        elif fault < 0.11:
            fields[10] = "lima juta"
            field = "pagu_indikatif"
        rows.append(",".join(csv_field(v, ",", True) for v in fields))
        if field:
            dead.append((len(rows) + 1, field))
            continue
        expected = {"kode_sub_kegiatan": sub4, "kode_sub_kegiatan_asli": sub_shown, "pagu_indikatif": money(rupiah * 100),
                    "kode_lokasi": [dotted_wilayah(c) for c in lokasi_codes], "nama_skpd": 'Dinas, "Kesehatan"',
                    "nama_sub_kegiatan": "Pelayanan Kesehatan", "source_system": "SIPD Perencanaan"}
        if sub_shown == sub4:
            del expected["kode_sub_kegiatan_asli"]
        truth.record("planning_item", {"tahun": tahun, "dokumen": dokumen, "tahapan": tahapan, "kode_skpd": skpd,
                                       "kode_sub_kegiatan": sub4}, expected)
    with open(os.path.join(out, "perencanaan", "rkpd.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(",".join('"%s"' % h for h in header) + "\r\n" + "\r\n".join(rows) + "\r\n")
    for line_no, field in dead:
        truth.dead.append(("sipd-perencanaan", "rkpd.csv", line_no, field))
    truth.file("rkpd.csv", len(rows), len(rows) - len(dead), len(dead))


# ---------------------------------------------------------------------------------------------------------------
# 5. SIPD penganggaran

def write_penganggaran(rng, out, truth, n):
    lines = []
    for i in range(n):
        skpd = rng.choice(SKPD)
        lines.append((skpd, "%s.%02d.2.%02d.%04d" % (skpd[:4], rng.randint(1, 3), rng.randint(1, 9), i + 1),
                      "5.1.02.01.01.%04d" % rng.randint(1, 60)))
    for tahap, tanggal, factor in [("murni", "2024-01-02", 1.0), ("perubahan", "2024-09-30", 1.1)]:
        items = []
        for skpd, sub, akun in lines:
            kas_cents = [rng.randint(0, 10 ** 8) * 100 for _ in range(12)]
            pagu_cents = sum(kas_cents)
            pagu_cents = int(pagu_cents * factor) // 100 * 100
            items.append({"nomor_dpa": "DPA/%s/2024" % skpd[:4], "kode_skpd": skpd, "kode_sub_kegiatan": sub,
                          "kode_akun": akun, "uraian": "Belanja  Alat Tulis Kantor", "pagu": pagu_cents // 100,
                          "sumber_dana": "DAU", "anggaran_kas": [c // 100 for c in kas_cents]})
            truth.record("budget_line", {"tahun": 2024, "tahap": tahap, "kode_skpd": skpd, "kode_sub_kegiatan": sub,
                                         "kode_akun": akun},
                         {"pagu": money(pagu_cents), "anggaran_kas": [money(c) for c in kas_cents],
                          "uraian": "Belanja Alat Tulis Kantor", "kode_pemda": "75.71",
                          "source_system": "SIPD Penganggaran"})
        doc = {"tahun": 2024, "kode_pemda": "75.71", "dokumen": "DPA", "tahap": tahap, "tanggal": tanggal,
               "items": items}
        name = "dpa_2024_%s.json" % tahap
        with open(os.path.join(out, "penganggaran", name), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
        truth.file(name, len(items), len(items), 0)


# ---------------------------------------------------------------------------------------------------------------
# 6. SIMDA Keuangan, with another pemda's crosswalk files in a copy of the connector's folder

def write_simda(rng, out, truth, people, n_sp2d):
    folder = os.path.join(out, "connector-simda-pemda-lain")
    shutil.copytree(os.path.join(ROOT, "connectors", "simda-keuangan"), folder)
    shutil.rmtree(os.path.join(folder, "samples"), ignore_errors=True)
    kegiatan = {}
    for u in range(1, 4):
        for p in range(15, 19):
            for k in range(1, 4):
                skpd = SKPD[u - 1]
                kegiatan[(u, 1, 1, 1, p, k)] = (skpd, "%s.01.2.%02d.%04d" % (skpd[:4], p - 14, k))
    rekening = {(5, 1, 2, 1, r): "5.1.02.01.01.%04d" % r for r in range(1, 30)}
    with open(os.path.join(folder, "crosswalk_kegiatan.csv"), "w", encoding="utf-8") as f:
        f.write("Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,kode_skpd,kode_sub_kegiatan\n")
        for key, (skpd, sub) in sorted(kegiatan.items()):
            f.write(",".join(str(x) for x in key) + ",%s,%s\n" % (skpd, sub))
    with open(os.path.join(folder, "crosswalk_rekening.csv"), "w", encoding="utf-8") as f:
        f.write("Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,kode_akun\n")
        for key, akun in sorted(rekening.items()):
            f.write(",".join(str(x) for x in key) + ",%s\n" % akun)

    header = ("Tahun,No_SP2D,Tgl_SP2D,No_SPM,Tgl_SPM,Jn_SPM,Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,"
              "Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,Nilai,Potongan,Nm_Penerima,NIK_Penerima,NPWP,"
              "Bank_Penerima,Rek_Penerima,Keterangan")
    pending = []
    for s in range(1, n_sp2d + 1):
        no = "%05d/SP2D/LS/2024" % s
        day = "2024-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))
        jn = rng.choice([1, 2, 3, 4, 5, 5, 5])
        keg = rng.choice(sorted(kegiatan))
        for _ in range(rng.choice([1, 1, 2, 3])):
            pending.append((no, day, jn, keg, rng.choice(sorted(rekening))))
    # The same SP2D number under another date and SPM: an anomaly to report, not a row to drop. Its line takes
    # the next line number of that SP2D.
    reused = pending[len(pending) // 2]
    other_day = "2024-12-30" if reused[1] != "2024-12-30" else "2024-12-29"
    pending.append((reused[0], other_day, reused[2], reused[3], reused[4]))
    truth.duplicate_sp2d = reused[0]
    # Lines of one SP2D are not always adjacent in an export: shuffle a little (neighbours swap).
    for i in range(0, len(pending) - 1, 5):
        if rng.random() < 0.5:
            pending[i], pending[i + 1] = pending[i + 1], pending[i]
    rows = []
    dead = []
    per_sp2d = {}
    for no, day, jn, keg, rek in pending:
        per_sp2d[no] = per_sp2d.get(no, 0) + 1
        line_no = per_sp2d[no]
        cents = rng.randint(1, 10 ** 6) * 100 + rng.choice([0, 0, 10, 55])
        nilai = "%d.%02d" % (cents // 100, cents % 100)
        recipient = ("", "")
        if jn == 5 and rng.random() < 0.5:
            p = rng.choice(people)
            recipient = (p["name"], p["nik"])
        fault = rng.random() if no != truth.duplicate_sp2d else 1.0
        field = None
        keg_shown, rek_shown = keg, rek
        if fault < 0.04:
            keg_shown = (9, 9, 9, 9, 99, 99)
            field = "Kd_Urusan"
        elif fault < 0.07:
            rek_shown = (5, 9, 9, 9, 99)
            field = "Kd_Rek_1"
        elif fault < 0.09:
            nilai = "-" + nilai
            field = "Nilai"
        elif fault < 0.10:
            nilai = "NaN rupiah"
            field = "Nilai"
        fields = ["2024", no, day + " 00:00:00.000", no.replace("SP2D", "SPM"), day + " 00:00:00.000", str(jn)]
        fields += [str(x) for x in keg_shown] + [str(x) for x in rek_shown]
        fields += [nilai, rng.choice(["0.00", "NULL", "%d.%02d" % (cents // 1000, 0)]), recipient[0], recipient[1],
                   rng.choice(["NULL", "01.234.567.8-901.000"]), "BANK SULUTGO", "65955%05d" % rng.randint(0, 99999),
                   rng.choice(["", "Belanja ATK, triwulan I", "NULL"])]
        rows.append(",".join(csv_field(v, ",") for v in fields))
        if field:
            dead.append((len(rows) + 1, field))
            continue
        skpd, sub = kegiatan[keg]
        expected = {"no_sp2d": no, "baris": line_no, "tgl_sp2d": day, "nilai": nilai, "kode_skpd": skpd,
                    "kode_sub_kegiatan": sub, "kode_akun": rekening[rek], "source_system": "SIMDA Keuangan"}
        absent = []
        if recipient[1]:
            expected["nik_penerima"] = recipient[1]
            truth.mentions.add("simda-keuangan:%s#%d" % (no, line_no))
        else:
            absent.append("nik_penerima")
        truth.record("disbursement", {"source_key": "%s#%d" % (no, line_no)}, expected, absent)
    with open(os.path.join(out, "simda", "sp2d_2024.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(header + "\r\n" + "\r\n".join(rows) + "\r\n")
    for line_no, field in dead:
        truth.dead.append(("simda-keuangan", "sp2d_2024.csv", line_no, field))
    truth.file("sp2d_2024.csv", len(rows), len(rows) - len(dead), len(dead))
    return folder


# ---------------------------------------------------------------------------------------------------------------
# Running the hub and comparing

class Hub:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.db = os.path.join(workdir, "simpul.db")
        self.env = dict(os.environ, SIMPUL_HOME=ROOT)

    def run(self, *args, check=True):
        p = subprocess.run([self.binary, *args, "--db", self.db], capture_output=True, text=True, env=self.env)
        if check and p.returncode != 0:
            raise SystemExit("simpul %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        return p

    def ingest(self, connector, path):
        return json.loads(self.run("ingest", "--connector", connector, path, "--json").stdout)

    def records(self, schema):
        out = {}
        after = 0
        while True:
            text = self.run("topics", "read", "records." + schema, "--from", str(after + 1), "--limit", "1000").stdout
            events = [json.loads(line) for line in text.splitlines() if line.strip()]
            if not events:
                return list(out.values())
            for e in events:
                out[e["key"]] = e["data"]          # the latest version of each key
                after = e["seq"]


def compare_summary(problems, summary, truth, expect_unchanged=False):
    for f in summary["files"]:
        name = os.path.basename(f["file"])
        if f["read"] != f["accepted"] + f["unchanged"] + f["dead_lettered"]:
            problems.append("%s: read %d != accepted + unchanged + dead_lettered" % (name, f["read"]))
        want = truth.files.get(name)
        if want is None:
            problems.append("%s: not a file of the held-out set" % name)
            continue
        if want["rejected_file"]:
            if not f.get("rejected_file"):
                problems.append("%s: a truncated JSON page was not reported as a rejected file" % name)
            continue
        if f.get("rejected_file"):
            problems.append("%s: rejected as a file: %s" % (name, f["rejected_file"]))
            continue
        # Every column SOURCES.md names is in these exports: a warning of a missing one would be a mapping's mistake.
        for w in f.get("warnings", []):
            problems.append("%s: warning: %s" % (name, w))
        got = (f["read"], f["accepted"], f["unchanged"], f["dead_lettered"])
        if expect_unchanged:
            exp = (want["read"], 0, want["accepted"], want["dead_lettered"])
        else:
            exp = (want["read"], want["accepted"], 0, want["dead_lettered"])
        if got != exp:
            problems.append("%s: read/accepted/unchanged/dead_lettered %s, expected %s" % (name, got, exp))


def compare_records(problems, hub, truth):
    by_schema = {}
    for schema, match, expected, absent in truth.records:
        by_schema.setdefault(schema, []).append((match, expected, absent))
    for schema, wanted in by_schema.items():
        have = hub.records(schema)
        index = {}
        for r in have:
            index.setdefault(r.get("source_key"), []).append(r)
        for match, expected, absent in wanted:
            if "source_key" in match:
                candidates = index.get(match["source_key"], [])
            else:
                candidates = [r for r in have if all(r.get(k) == v for k, v in match.items())]
            candidates = [r for r in candidates if all(r.get(k) == v for k, v in match.items())]
            if len(candidates) != 1:
                problems.append("%s %s: %d records" % (schema, match, len(candidates)))
                continue
            r = candidates[0]
            for field, value in expected.items():
                if r.get(field) != value:
                    problems.append("%s %s: %s is %r, expected %r" % (schema, match, field, r.get(field), value))
            for field in absent:
                if field in r:
                    problems.append("%s %s: %s is %r, expected absent" % (schema, match, field, r[field]))
        expected_count = len(wanted)
        if len(have) != expected_count:
            problems.append("%s: %d records in the hub, %d expected" % (schema, len(have), expected_count))


def compare_mentions(problems, hub, truth):
    """Every person mention in the person index once, under the mention key SOURCES.md gives."""
    seen = {}
    for line in hub.run("persons", "export", "--format", "ndjson").stdout.splitlines():
        person = json.loads(line)
        for m in person.get("mentions", []) + person.get("review", []):
            key = m["key"] if isinstance(m, dict) else m
            seen[key] = seen.get(key, 0) + 1
    for key in sorted(truth.mentions - set(seen))[:20]:
        problems.append("mention %s: not in persons export" % key)
    for key in sorted(set(seen) - truth.mentions)[:20]:
        problems.append("mention %s: in persons export, not a mention of the held-out set" % key)
    for key, n in sorted(seen.items()):
        if n > 1:
            problems.append("mention %s: %d times in persons export" % (key, n))


def compare_dead_letters(problems, hub, truth, basename=True):
    listed = json.loads(hub.run("dlq", "list", "--limit", "100000", "--json").stdout)
    entries = listed["entries"] if isinstance(listed, dict) else listed
    have = {}
    for e in entries:
        name = os.path.basename(e["file"]) if basename else e["file"]
        have.setdefault((e["connector"], name, e["line"]), []).append(e)
    for connector, name, line, field in truth.dead:
        got = have.pop((connector, name, line), None)
        if not got:
            problems.append("dead letter missing: %s %s line %d (%s)" % (connector, name, line, field))
            continue
        e = got[0]
        # A dead letter names the source's own column(s), as the file spells them: a crosswalk miss names every
        # code column of the lookup, joined by "+".
        if field and field not in (e.get("field") or "").split("+"):
            problems.append("%s %s line %d: dead letter names field %r, expected %r (%s)"
                            % (connector, name, line, e.get("field"), field, e.get("reason")))
        if not e.get("reason"):
            problems.append("%s %s line %d: dead letter without a reason" % (connector, name, line))
    for (connector, name, line), es in sorted(have.items()):
        problems.append("unexpected dead letter: %s %s line %d, %s: %s"
                        % (connector, name, line, es[0].get("field"), es[0].get("reason")))


def push_phase(problems, binary, out, truth):
    """The same SiCantik pages and OSS file pushed to a second hub over HTTP (`POST /v1/ingest/{connector}`): the
    same summaries, the same records, the same dead letters (under `push:<opd>/<file>`); pushed again, unchanged."""
    workdir = os.path.join(out, "push-hub")
    os.makedirs(workdir, exist_ok=True)
    hub = Hub(binary, workdir)
    hub.run("init")
    token = json.loads(hub.run("opd", "add", "integrasi", "--grant", "ingest:sicantik,oss-rba",
                               "--purpose", "integrasi", "--json").stdout)["token"]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen([binary, "serve", "--port", str(port), "--db", hub.db], env=hub.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/healthz")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def push(connector, path):
            with open(path, "rb") as f:
                body = f.read()
            conn.request("POST", "/v1/ingest/%s?file=%s" % (connector, os.path.basename(path)), body=body,
                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/octet-stream"})
            r = conn.getresponse()
            answer = json.loads(r.read())
            if r.status == 422:
                return r.status, answer["error"]["detail"]
            return r.status, answer

        files = [("sicantik", os.path.join(out, "sicantik", n)) for n in sorted(os.listdir(os.path.join(out, "sicantik")))]
        files.append(("oss-rba", os.path.join(out, "oss", "oss_nib_2024.ndjson")))
        for again in (False, True):
            for connector, path in files:
                status, summary = push(connector, path)
                name = os.path.basename(path)
                want = truth.files[name]
                if want["rejected_file"]:
                    if status != 422:
                        problems.append("push %s: status %d, expected 422 for a truncated page" % (name, status))
                    continue
                if status != 200:
                    problems.append("push %s: status %d" % (name, status))
                    continue
                summary["files"][0]["file"] = name
                compare_summary(problems, summary, truth, expect_unchanged=again)
    finally:
        server.terminate()
        server.wait(timeout=30)
    pushed = Truth()
    pushed.records = [r for r in truth.records if r[0] in ("permit", "business")]
    compare_records(problems, hub, pushed)
    pushed.dead = [(c, "push:integrasi/" + n, line, field) for c, n, line, field in truth.dead
                   if c in ("sicantik", "oss-rba")]
    compare_dead_letters(problems, hub, pushed, basename=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rows", type=int, default=400, help="registry rows; the other sources scale with it")
    ap.add_argument("--keep", help="write the exports and the hub here and keep them")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    binary = os.environ.get("SIMPUL_BIN")
    if not binary:
        for mode in ("release", "debug"):
            candidate = os.path.join(ROOT, ".build", mode, "simpul")
            if os.path.exists(candidate):
                binary = candidate
                break
    if not binary:
        raise SystemExit("no simpul binary: run swift build first, or set SIMPUL_BIN")

    out = args.keep or tempfile.mkdtemp(prefix="simpul-heldout-ingest-")
    if args.keep and os.path.exists(out):
        shutil.rmtree(out)
    for d in ("siak", "siak-next", "sicantik", "oss", "perencanaan", "penganggaran", "simda"):
        os.makedirs(os.path.join(out, d), exist_ok=True)

    truth = Truth()
    people = write_siak(rng, out, truth, args.rows)
    write_sicantik(rng, out, truth, people, max(2, args.rows // 100), 50)
    write_oss(rng, out, truth, people, max(20, args.rows // 4))
    write_perencanaan(rng, out, truth, max(20, args.rows // 4))
    write_penganggaran(rng, out, truth, max(10, args.rows // 8))
    simda = write_simda(rng, out, truth, people, max(20, args.rows // 4))

    hub = Hub(binary, out)
    hub.run("init")
    problems = []
    runs = [("dukcapil-siak", "siak"), ("sicantik", "sicantik"), ("oss-rba", "oss"),
            ("sipd-perencanaan", "perencanaan"), ("sipd-penganggaran", "penganggaran"), (simda, "simda")]
    for connector, folder in runs:
        compare_summary(problems, hub.ingest(connector, os.path.join(out, folder)), truth)
    # The next SIAK snapshot: versions only for the rows that changed.
    snap = hub.ingest("dukcapil-siak", os.path.join(out, "siak-next"))
    f = snap["files"][0]
    got = (f["read"], f["accepted"], f["unchanged"], f["dead_lettered"])
    want = (truth.snapshot["read"], truth.snapshot["accepted"], truth.snapshot["unchanged"], 0)
    if got != want:
        problems.append("the next SIAK snapshot: read/accepted/unchanged/dead_lettered %s, expected %s" % (got, want))
    compare_records(problems, hub, truth)
    compare_dead_letters(problems, hub, truth)
    compare_mentions(problems, hub, truth)
    # The reused SP2D number is reported by the reconciliation.
    report = json.loads(hub.run("reconcile", "--year", "2024", "--format", "json").stdout)
    if not any(f["kind"] == "duplicate_sp2d_number" and any(truth.duplicate_sp2d in k for k in f.get("records", []))
               for f in report.get("findings", [])):
        problems.append("SP2D %s under two dates: no duplicate_sp2d_number finding" % truth.duplicate_sp2d)
    # Replay from the raw log, without the files: the same records.
    for connector, _ in runs:
        hub.run("replay", "--connector", connector)
    before = len(problems)
    compare_records(problems, hub, truth)
    if len(problems) > before:
        problems.insert(before, "after replay:")
    # Every file again: nothing accepted, the same rows dead-lettered.
    for connector, folder in runs:
        compare_summary(problems, hub.ingest(connector, os.path.join(out, folder)), truth, expect_unchanged=True)

    push_phase(problems, binary, out, truth)

    counts = {}
    for schema, _, _, _ in truth.records:
        counts[schema] = counts.get(schema, 0) + 1
    print("held-out ingest, seed %d: %d files, %s, %d dead letters expected"
          % (args.seed, len(truth.files) + 1, ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())),
             len(truth.dead)))
    finish(problems, out, args.keep, "every record as SOURCES.md says, every rejected row where it should be", shown=200)


if __name__ == "__main__":
    main()
