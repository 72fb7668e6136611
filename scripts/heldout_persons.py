#!/usr/bin/env python3
"""A second person corpus, made apart from the hub: its own people, names, households and noise.

usage: heldout_persons.py PERSONS SEED OUTDIR [KABKOTA]

The corpus of `simpul-bench gen persons` is the hub's own (Sources/SimpulPersons/Corpus.swift): its name lists and
noise were written by the people who wrote the matcher, so good figures on it may only mean the two agree. This one
shares no code and no name list with the hub, and is written from SOURCES.md alone, the way an outside evaluator's
held-out corpus would be:

- one pemda's population (default 75.71, Kota Gorontalo; any kab/kota code of data/wilayah/wilayah.csv), in
  households under a family card, with the naming customs of the region's people side by side: Gorontalo and
  Bugis given names with a family name passed from the father, Javanese names without a family name, Balinese
  birth-order names (I WAYAN, NI MADE), Minahasa Christian names with a fam, Chinese-Indonesian names;
- NIKs as Dukcapil issues them: the kecamatan of first registration (a tenth registered elsewhere), the birth date
  with 40 added to the day for women, serials in order from 0001 per kecamatan and birth date;
- the registry (`dukcapil-siak`) lists every resident, in household order, a few twice under two NIKs (NIK ganda);
- SiCantik applications, OSS businesses with their penanggung jawab, and SIMDA bantuan sosial lines name residents
  and people from elsewhere (who are in no registry here), with the noise of SOURCES.md: a NIK with spaces or dots,
  one digit wrong, two digits swapped, the family card's number instead, scientific notation, left empty, a family
  member's NIK, another person's; names in any case, with titles, MUH./MOH./M., typos, a middle name dropped, a
  Balinese `I` left off; birth dates in SiCantik's three shapes, day and month swapped, missing, or wrong with the
  right NIK.

Writes OUTDIR/<connector>/… in each source's format and OUTDIR/truth.ndjson in the form scripts/eval_persons.py
reads. Python's standard library only.
"""
import csv
import json
import os
import random
import sys
from datetime import date, timedelta

MALE = """ABDUL ABDULLAH ADAM ADI ADITYA AGUS AHMAD AKBAR ALFIAN ALI AMIR ANDI ANDIKA ANWAR ARIF ARIFIN ARMAN ASRUL
AZIS BAHRUDIN BAMBANG BASRI BUDI DARWIS DEDI DENI EKO FADLI FAHMI FAISAL FAJAR FARID FIRMAN GUNAWAN HABIB HAMZAH
HARIS HASANUDIN HENDRA HERMAN IBRAHIM IDRIS ILHAM IMRAN IRFAN IRWAN ISMAIL JAFAR JEFRI KAHAR KURNIAWAN LUKMAN
MAHMUD MANSUR MARZUKI MUHAMMAD MUKSIN MULYADI NASRUN NOVAL NURDIN RAHMAN RAMLI RAHMAT REZA RIDWAN RISKI RIZAL
ROMI RUSDI RUSLAN SAIFUL SALIM SAMSUL SOFYAN SUKRI SULAIMAN SYAHRIL SYAMSUDIN TAUFIK TEGUH UMAR USMAN WAHYU YAHYA
YUSUF ZAINAL ZULKIFLI""".split()
FEMALE = """AISYAH AMALIA ANI ANISA ASMA DEWI DIAN ELVIRA ERNA FATIMAH FITRI FITRIANI HADIJAH HALIMA HASNA HERLINA
IKA INDAH IRMA JULIANA KARTINI KHADIJAH LESTARI LINDA MARYAM MEGA MIRNA NAFSIAH NINGSIH NOVITA NUR NURHAYATI
NURUL PUTRI RAHMAWATI RATNA RINA RISNA ROSMINI SARTIKA SELVI SITI SRI SULASTRI SUMARNI SUSANTI SYAMSIAH TUTI
WAHYUNI WIDYA YULIANA YUNI ZAHRA ZAINAB""".split()
FAMILY = """ABAS ADAM AHMAD ALI AMU BAKARI BIYA BOKINGO BUMULO DAI DAUD DJAFAR DUNDA GOBEL HABIBIE HASAN HIOLA HULIPU
HUNOWU IBRAHIM ISA KADIR KATILI LAHAY LAIYA LAMATENGGO LATIEF MAHMUD MANTALI MOHAMAD MOOTALU MUSA NANI NUSI OLII
PAKAYA PANTU POLAPA PULUHULAWA RAHIM SALEH SUNGE TALIB TANGAHU TULIABU UMAR USMAN YUSUF""".split()
JAVANESE = """SUPARMAN SUGIONO SUKARDI SUYANTO SUPRIYADI SLAMET SUTRISNO WIDODO PRIYONO HARYANTO SUMARNO JOKO
PURWANTO SISWANTO""".split()
JAVANESE_F = """SRI ENDANG SUMIATI SUPARTI WARSINI SUKESIH TUMINAH RUSMIATI SUSILOWATI WULANDARI RAHAYU
PURWANINGSIH""".split()
BALI_M = ["I WAYAN", "I MADE", "I NYOMAN", "I KETUT", "I GEDE", "I KOMANG"]
BALI_F = ["NI WAYAN", "NI MADE", "NI NYOMAN", "NI KETUT", "NI LUH", "NI KOMANG"]
BALI_NAME = """SUDARSANA ARTAWAN SUARDANA WIRAWAN ADNYANA ASTAWA MERTA SUASTIKA PUTRA DARMAWAN SUARTINI ARIANI SRIASIH
WIDIASTUTI""".split()
MINAHASA_M = """YOHANES FRANSISKUS STEVEN JONI RONALD MAIKEL DANIEL YOSUA ROBERT""".split()
MINAHASA_F = """MARIA YULIN DEBORA MEILAN GRACE NOVITA SANTI""".split()
FAM = """SUMAMPOUW WOWOR LUMINTANG RUMAGIT PANGKEREGO KOLOPITA TAMBUWUN RONDONUWU MANDAGI""".split()
CHINESE = """WIJAYA HALIM GUNAWAN TANOTO SANTOSO KUSUMA SETIAWAN HARTONO""".split()
CHINESE_GIVEN = """HENDRA LIE TAN WILLIAM FELIX MELIANA VIVIAN LILIANA""".split()

MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]
LOOKALIKE = {"0": "O", "1": "I", "5": "S", "8": "B"}


def zipf_pick(rng, items, s=0.9):
    """Real names are far from uniform: a few are very common, most are rare."""
    weights = [1 / (k + 1) ** s for k in range(len(items))]
    return rng.choices(items, weights)[0]


class World:
    def __init__(self, seed, kabkota):
        self.rng = random.Random(seed)
        here = os.path.dirname(os.path.abspath(__file__))
        codes = []
        with open(os.path.join(here, "..", "data", "wilayah", "wilayah.csv"), encoding="utf-8") as f:
            next(f)
            for line in f:
                codes.append(line.split(";")[0])
        self.kecamatan = [c for c in codes if c.startswith(kabkota + ".") and c.count(".") == 2]
        if not self.kecamatan:
            sys.exit(f"no kecamatan under {kabkota} in data/wilayah/wilayah.csv")
        prov = kabkota.split(".")[0]
        self.province_kec = [c for c in codes if c.count(".") == 2 and c.startswith(prov + ".")]
        self.elsewhere_kec = [c for c in codes if c.count(".") == 2 and not c.startswith(prov + ".")]
        self.serials = {}  # (kecamatan digits, date digits) -> last serial issued
        self.kk_serials = {}
        self.persons = []
        self.by_nik = {}

    def nik(self, kec, born, sex):
        day = born.day + (40 if sex == "P" else 0)
        head = kec.replace(".", "") + f"{day:02d}{born.month:02d}{born.year % 100:02d}"
        n = self.serials.get(head, 0) + 1
        self.serials[head] = n
        return head + f"{n:04d}"

    def kk(self, kec, issued):
        head = kec.replace(".", "") + issued.strftime("%d%m%y")
        n = self.kk_serials.get(head, 0) + 1
        self.kk_serials[head] = n
        return head + f"{n:04d}"

    def birth(self, lo, hi):
        return date(lo, 1, 1) + timedelta(days=self.rng.randrange((date(hi, 12, 31) - date(lo, 1, 1)).days))

    def given(self, culture, sex):
        r = self.rng
        def one_or_two(pool, second):
            words = [zipf_pick(r, pool)]
            if r.random() < second:
                w = zipf_pick(r, pool)
                if w != words[0]:
                    words.append(w)
            return words
        if culture == "gorontalo":
            words = one_or_two(MALE if sex == "L" else FEMALE, 0.55)
            if sex == "L" and r.random() < 0.12 and words[0] != "MUHAMMAD":
                words.insert(0, "MUHAMMAD")
            if sex == "P" and r.random() < 0.10 and words[0] not in ("SITI", "NUR"):
                words.insert(0, r.choice(["SITI", "NUR"]))
            return words
        if culture == "jawa":
            return one_or_two(JAVANESE if sex == "L" else JAVANESE_F, 0.4)
        if culture == "bali":
            return (r.choice(BALI_M) if sex == "L" else r.choice(BALI_F)).split() + [zipf_pick(r, BALI_NAME)]
        if culture == "minahasa":
            return [zipf_pick(r, MINAHASA_M if sex == "L" else MINAHASA_F)]
        return [r.choice(CHINESE_GIVEN)]

    def person(self, household, sex, born, surname, culture, kec_registered, role):
        given = self.given(culture, sex)
        name = " ".join(given + ([surname] if surname else []))
        nik = self.nik(kec_registered, born, sex)
        p = {"id": len(self.persons), "nik": nik, "name": name, "sex": sex, "born": born, "household": household,
             "role": role, "culture": culture, "niks": [nik]}
        self.persons.append(p)
        self.by_nik[nik] = p
        return p


def build(world, persons_wanted):
    r = world.rng
    households = []
    while len(world.persons) < persons_wanted:
        kec = r.choice(world.kecamatan)
        village = kec + f".{r.choice([1, 2])}{r.randrange(1, 16):03d}"
        culture = r.choices(["gorontalo", "jawa", "bali", "minahasa", "tionghoa"], [70, 13, 5, 8, 4])[0]
        surname = None
        if culture == "gorontalo":
            surname = zipf_pick(r, FAMILY, 0.6)
        elif culture == "minahasa":
            surname = r.choice(FAM)
        elif culture == "tionghoa":
            surname = r.choice(CHINESE)
        def registered():
            x = r.random()
            return kec if x < 0.88 else (r.choice(world.province_kec) if x < 0.96 else r.choice(world.elsewhere_kec))
        head_born = world.birth(1945, 1998)
        issued = world.birth(max(head_born.year + 20, 2005), 2023)
        h = {"kk": world.kk(kec, issued), "village": village, "members": [],
             "street": f"JL. {r.choice(['PANJAITAN', 'SUDIRMAN', 'AGUS SALIM', 'RAJAWALI', 'BRIGJEN PIOLA ISA', 'TRANS SULAWESI', 'DEWI SARTIKA'])} NO. {r.randrange(1, 200)}",
             "rt": f"{r.randrange(1, 20):03d}", "rw": f"{r.randrange(1, 8):03d}"}
        households.append(h)
        head = world.person(h, "L" if r.random() < 0.9 else "P", head_born, surname, culture, registered(), 1)
        h["members"].append(head)
        if r.random() < 0.8 and head["sex"] == "L":
            wife_surname = zipf_pick(r, FAMILY, 0.6) if culture == "gorontalo" else (
                r.choice(FAM) if culture == "minahasa" else None)
            wife_born = head_born + timedelta(days=r.randrange(-365 * 2, 365 * 8))
            h["members"].append(world.person(h, "P", wife_born, wife_surname, culture, registered(), 3))
        for _ in range(r.choice([0, 1, 1, 2, 2, 3, 3, 4, 5])):
            lo = head_born.year + 19
            if lo > 2023:
                break
            child_born = world.birth(lo, min(lo + 25, 2023))
            sex = r.choice("LP")
            child_surname = surname if culture in ("gorontalo", "minahasa", "tionghoa") else None
            h["members"].append(world.person(h, sex, child_born, child_surname, culture, kec if r.random() < 0.95 else registered(), 4))
    return households


def outsiders(world, n):
    """People from elsewhere: applicants and business owners whose NIKs no registry here holds."""
    r = world.rng
    out = []
    for _ in range(n):
        kec = r.choice(world.elsewhere_kec if r.random() < 0.6 else world.province_kec)
        culture = r.choices(["gorontalo", "jawa", "bali", "minahasa", "tionghoa"], [40, 35, 10, 10, 5])[0]
        surname = zipf_pick(r, FAMILY, 0.6) if culture == "gorontalo" else (
            r.choice(FAM) if culture == "minahasa" else (r.choice(CHINESE) if culture == "tionghoa" else None))
        h = {"kk": world.kk(kec, world.birth(2005, 2023)), "village": kec + f".{r.choice([1, 2])}{r.randrange(1, 16):03d}",
             "members": [], "street": f"JL. MERDEKA NO. {r.randrange(1, 99)}", "rt": "001", "rw": "001"}
        p = world.person(h, r.choice("LLP"), world.birth(1950, 2000), surname, culture, kec, 1)
        h["members"].append(p)
        p["outsider"] = True
        out.append(p)
    return out


# --- noise -------------------------------------------------------------------------------------------------------

def typo(r, word):
    if len(word) < 3:
        return word
    k = r.randrange(1, len(word))
    letters = "ABCDEFGHIJKLMNOPRSTUWY"
    kind = r.random()
    if kind < 0.35:
        return word[:k] + r.choice(letters) + word[k + 1:]
    if kind < 0.6:
        return word[:k] + word[k + 1:]
    if kind < 0.8:
        return word[:k] + r.choice("AIUE") + word[k:]
    if k < len(word) - 1:
        return word[:k] + word[k + 1] + word[k] + word[k + 2:]
    return word + word[-1]


def noisy_name(r, p, source):
    words = p["name"].split()
    if "MUHAMMAD" in words and r.random() < 0.6:
        words[words.index("MUHAMMAD")] = r.choice(["MUH.", "MOH.", "M.", "MUHAMAD", "MOHAMMAD", "MOHAMAD", "MUHAMMAD"])
    if p["culture"] == "bali" and words[0] in ("I", "NI") and r.random() < 0.25:
        words = words[1:]
    if len(words) >= 3 and r.random() < 0.07:
        del words[r.randrange(1, len(words) - 1)]
    if r.random() < 0.08:
        k = r.randrange(len(words))
        if not words[k].endswith("."):
            words[k] = typo(r, words[k])
    name = " ".join(words)
    if r.random() < 0.12:
        if r.random() < 0.5:
            name = r.choice(["H. ", "HJ. " if p["sex"] == "P" else "H. ", "DRS. ", "IR. ", "DR. "]) + name
        if r.random() < 0.7:
            name += r.choice([", S.PD", ", S.E", ", S.H.", ", S.KOM", ", A.MD", ", M.SI", ", S.SOS", ", SE"])
    if r.random() < 0.03:
        name = name.replace(" ", "  ", 1)
    case = r.random()
    if source == "sicantik":
        if case < 0.25:
            name = name.title()
        elif case < 0.40:
            name = name.lower()
    elif source == "oss-rba" and case < 0.3:
        name = name.title()
    return name


def sci(nik):
    return f"{int(nik):.5E}"  # 7.57101E+15: six significant digits, as a spreadsheet shows them


def noisy_nik(r, world, p, source, truth):
    """The NIK as a source wrote it, and what the truth must know about it."""
    nik = p["nik"]
    x = r.random()
    if x < 0.07:
        return ""
    x -= 0.07
    if x < 0.035:  # one digit wrong
        k = r.randrange(16)
        return nik[:k] + r.choice([d for d in "0123456789" if d != nik[k]]) + nik[k + 1:]
    x -= 0.035
    if x < 0.02:  # two neighbouring digits swapped
        k = r.randrange(15)
        if nik[k] != nik[k + 1]:
            return nik[:k] + nik[k + 1] + nik[k] + nik[k + 2:]
        return nik
    x -= 0.02
    if x < 0.025:  # the family card's number
        return p["household"]["kk"]
    x -= 0.025
    if x < 0.01:  # a family member's NIK: a wife applying with her husband's
        others = [m for m in p["household"]["members"] if m is not p]
        if others:
            o = r.choice(others)
            truth["_holder"] = o
            return o["nik"]
        return nik
    x -= 0.01
    if x < 0.004 and world.persons:  # someone else's altogether (a clerk's slip)
        o = r.choice(world.persons)
        if o is not p and not o.get("outsider"):
            truth["_holder"] = o
            return o["nik"]
        return nik
    x -= 0.004
    if source == "sicantik":
        if x < 0.04:
            return sci(nik)
        x -= 0.04
        if x < 0.06:
            return f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
        x -= 0.06
        if x < 0.04:
            return f"{nik[:6]}.{nik[6:12]}.{nik[12:]}"
        x -= 0.04
        if x < 0.005:
            k = r.choice([k for k in range(16) if nik[k] in LOOKALIKE] or [0])
            return nik[:k] + LOOKALIKE.get(nik[k], nik[k]) + nik[k + 1:]
    return nik


def birth_text(r, p, truth, nik_written):
    """SiCantik's tgl_lahir_pemohon, or None."""
    if r.random() < 0.15:
        return None
    born = p["born"]
    if nik_written == p["nik"] and r.random() < 0.01:  # the right NIK, a wrong birth date: a same-NIK clash
        born = born.replace(year=born.year + r.choice([-2, -1, 1, 3])) if not (born.month == 2 and born.day == 29) else born
        if born != p["born"]:
            truth["date_clash"] = True
    elif born.day <= 12 and born.day != born.month and r.random() < 0.02:
        born = date(born.year, born.day, born.month)
    truth["_written"] = born
    shape = r.random()
    if shape < 0.4:
        return born.isoformat()
    if shape < 0.7:
        return born.strftime("%d/%m/%Y")
    return f"{born.day} {MONTHS[born.month - 1]} {born.year}"


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 64
    wanted, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    world = World(seed, sys.argv[4] if len(sys.argv) == 5 else "75.71")
    r = world.rng
    households = build(world, wanted)
    residents = list(world.persons)
    strangers = outsiders(world, max(1, wanted // 25))
    for c in ("dukcapil-siak", "sicantik", "oss-rba", "simda-keuangan"):
        os.makedirs(os.path.join(out, c), exist_ok=True)
    truth = open(os.path.join(out, "truth.ndjson"), "w")

    def tell(key, p, extra):
        t = {"key": key, "person": str(p["id"])}
        # Another person's NIK is a same-NIK clash (never to be merged) where the record shows a birth date that is
        # not the holder's: OSS and SIMDA record none, so nothing there tells the two apart but the name.
        holder = extra.pop("_holder", None)
        if holder is not None and extra.pop("_born", None) not in (None, holder["born"]):
            t["clash_with"] = "dukcapil-siak:" + holder["nik"]
        extra.pop("_born", None)
        t.update(extra)
        truth.write(json.dumps(t) + "\n")

    # The registry, household by household, as an export by family card lists it.
    ganda = 0
    with open(os.path.join(out, "dukcapil-siak", "biodata.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("\ufeffNIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;AGAMA;STAT_KWN;STAT_HBKEL;PDDK_AKH;JENIS_PKRJN;"
                "ALAMAT;NO_RT;NO_RW;NO_PROP;NO_KAB;NO_KEC;NO_KEL;NIK_IBU;NIK_AYAH;STAT_PDDK;TGL_UPDATE\r\n")
        for h in households:
            w = h["village"].split(".")
            for p in h["members"]:
                rows = [p["nik"]]
                if r.random() < 0.002:  # NIK ganda: the same person registered twice, under a second NIK
                    kec = w[0] + "." + w[1] + "." + w[2]
                    second = world.nik(kec, p["born"], p["sex"])
                    p["niks"].append(second)
                    rows.append(second)
                    ganda += 1
                for nik in rows:
                    religion = {"bali": "4", "minahasa": "2", "tionghoa": "5"}.get(p["culture"], "1")
                    f.write(f"{nik};{h['kk']};{p['name']};{1 if p['sex'] == 'L' else 2};GORONTALO;"
                            f"{p['born'].strftime('%d-%m-%Y')};{religion};{2 if p['role'] in (1, 3) else 1};{p['role']};"
                            f"{r.randrange(1, 9)};{r.randrange(1, 89)};{h['street']};{h['rt']};{h['rw']};"
                            f"{int(w[0])};{int(w[1])};{int(w[2])};{int(w[3])};;;HIDUP;2024-11-02 08:14:55\r\n")
                    tell(f"dukcapil-siak:{nik}", p, {})

    adults = [p for p in residents if (date(2024, 7, 1) - p["born"]).days > 17 * 365]
    people = adults + strangers * 3  # outsiders come to the hub only through these sources, more than once

    # SiCantik: a third of adults apply, once to three times; pages of 1,000.
    items, pid = [], 500000
    for p in r.sample(people, min(len(people), len(adults) // 3)):
        for _ in range(r.choice([1, 1, 1, 2, 2, 3])):
            pid += 1
            t = {}
            nik = noisy_nik(r, world, p, "sicantik", t)
            born = birth_text(r, p, t, nik)
            if born is not None:
                t["_born"] = t.pop("_written", p["born"])
            if (not nik or "E+" in nik) and born is None:
                t["name_only"] = True  # a name and an address: nothing a matcher may link on alone
            village = p["household"]["village"] if r.random() < 0.85 else r.choice(world.kecamatan) + ".1001"
            items.append({
                "id_permohonan": pid, "no_permohonan": f"PMH/{pid}/DPMPTSP/2024", "jenis_izin": "Izin Usaha Mikro",
                "kode_jenis_izin": "IUM", "nik_pemohon": nik, "nama_pemohon": noisy_name(r, p, "sicantik"),
                "alamat_pemohon": p["household"]["street"] if r.random() < 0.7 else None,
                "tempat_lahir_pemohon": "GORONTALO" if r.random() < 0.6 else None, "tgl_lahir_pemohon": born,
                "tgl_pengajuan": "2024-07-01 09:12:00", "updated_at": "2024-07-10 14:00:00",
                "tgl_penetapan": "2024-07-10", "masa_berlaku_sampai": None, "no_izin": None, "status": "Proses",
                "retribusi": r.choice([0, "Rp 1.250.000", "Rp150.000,00", 250000]),
                "kode_wilayah": village.replace(".", "") if r.random() < 0.5 else village,
                "opd_penerbit": "DPMPTSP"})
            tell(f"sicantik:{pid}", p, t)
    pages = [items[k:k + 1000] for k in range(0, len(items), 1000)]
    for n, page in enumerate(pages, 1):
        with open(os.path.join(out, "sicantik", f"page_{n:04d}.json"), "w", encoding="utf-8") as f:
            json.dump({"status": "success", "page": n, "total_page": len(pages), "data": page}, f)

    # OSS: a tenth of adults own a business, some two; a business may name a second penanggung jawab.
    with open(os.path.join(out, "oss-rba", "nib.ndjson"), "w", encoding="utf-8") as f:
        nib = 9120000000000
        for p in r.sample(people, len(adults) // 10):
            for _ in range(r.choice([1, 1, 1, 2])):
                nib += 1
                owners = [p]
                if r.random() < 0.15:
                    owners.append(r.choice(people))
                pj = []
                for k, o in enumerate(owners):
                    t = {}
                    nik = noisy_nik(r, world, o, "oss-rba", t)
                    if not nik:
                        t["name_only"] = True
                    pj.append({"nik": nik, "nama": noisy_name(r, o, "oss-rba"), "jabatan": "Pemilik" if k == 0 else "Direktur"})
                    tell(f"oss-rba:{nib}#{k}", o, t)
                f.write(json.dumps({
                    "nib": str(nib), "tgl_terbit_nib": "2023-03-15", "nama_perusahaan": f"CV USAHA {nib % 100000}",
                    "jenis_perseroan": "CV", "npwp_perseroan": "", "alamat_usaha": p["household"]["street"],
                    "kd_daerah": p["household"]["village"].replace(".", ""), "penanggung_jawab": pj, "kbli": [],
                    "izin": [], "updated_at": "2023-03-15 10:00:00"}) + "\n")

    # SIMDA: bantuan sosial to a sixth of households, paid one to four times in the year, recipients in SP2Ds of five.
    with open(os.path.join(out, "simda-keuangan", "sp2d.csv"), "w", encoding="utf-8", newline="") as f:
        out_csv = csv.writer(f, lineterminator="\r\n")  # a name with ", S.PD" is quoted, as SQL Server's export quotes it
        out_csv.writerow("Tahun,No_SP2D,Tgl_SP2D,No_SPM,Tgl_SPM,Jn_SPM,Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,"
                         "Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,Nilai,Potongan,Nm_Penerima,NIK_Penerima,NPWP,"
                         "Bank_Penerima,Rek_Penerima,Keterangan".split(","))
        payments = []
        for h in r.sample(households, len(households) // 6):
            payments += [h["members"][0]] * r.choice([1, 2, 3, 4])
        r.shuffle(payments)
        for s in range(0, len(payments), 5):
            no = f"{s // 5 + 1:05d}/SP2D/LS/2024"
            for line, p in enumerate(payments[s:s + 5], 1):
                t = {}
                nik = noisy_nik(r, world, p, "simda-keuangan", t)
                if not nik:
                    t["name_only"] = True
                out_csv.writerow([2024, no, "2024-09-28 00:00:00.000", no.replace("SP2D", "SPM"), "2024-09-28 00:00:00.000",
                                  5, 1, 2, 1, 1, 15, 1, 5, 1, 4, 1, 1, "600000.00", "0.00", noisy_name(r, p, "simda-keuangan"),
                                  nik, "", "BANK SULUTGO", r.randrange(10**9, 10**10), "Bantuan sosial"])
                tell(f"simda-keuangan:{no}#{line}", p, t)
    truth.close()
    print(f"{len(residents)} residents in {len(households)} households ({ganda} registered twice), "
          f"{len(strangers)} people from elsewhere; {len(items)} SiCantik applications", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
