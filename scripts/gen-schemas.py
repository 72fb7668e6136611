#!/usr/bin/env python3
"""Writes schemas/*.json from the compact description below. Edit here, run, commit both."""
import json, os

NIK = {"type": ["string", "null"], "pattern": "^[0-9]{16}$"}
NIK_STATUS = {"type": ["string", "null"], "enum": ["valid", "kosong", "notasi_ilmiah", "mengandung_huruf", "bukan_16_digit", None]}
S = lambda n=500: {"type": ["string", "null"], "maxLength": n}
REQ_S = lambda n=500: {"type": "string", "minLength": 1, "maxLength": n}
DATE = {"type": ["string", "null"], "format": "date"}
DATETIME = {"type": ["string", "null"], "format": "date-time"}
MONEY = {"type": ["string", "null"], "format": "decimal", "pattern": "^-?[0-9]+\\.[0-9]{2}$"}
WIL = {"type": ["string", "null"], "pattern": "^[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?$"}
SKPD = {"type": "string", "pattern": "^[0-9]\\.[0-9]{2}\\.[0-9]\\.[0-9]{2}\\.[0-9]\\.[0-9]{2}\\.[0-9]{2}\\.[0-9]{4}$"}
SUBKEG = {"type": "string", "pattern": "^([0-9]\\.[0-9]{2}|X\\.XX)\\.[0-9]{2}\\.[0-9]\\.[0-9]{2}\\.[0-9]{4}$"}
AKUN = {"type": "string", "pattern": "^[0-9]\\.[0-9]\\.[0-9]{2}\\.[0-9]{2}\\.[0-9]{2}\\.[0-9]{4}$"}
TAHUN = {"type": "integer", "minimum": 2000, "maximum": 2100}
GELAR = {"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 10}
NOTES = {"type": "array", "items": {"type": "string"}, "description": "Non-fatal notes from normalisation (unknown codes kept as null)."}
PROV = {
    "source_system": {"type": "string", "description": "The source system, e.g. 'Dukcapil SIAK'."},
    "source_key": {"type": "string", "description": "The record's identity in its source system."},
    "raw_seq": {"type": "integer", "description": "Provenance: sequence number of the raw log entry (added on read)."},
    "ingested_at": {"type": "string", "format": "date-time", "description": "Provenance: when the version was stored (added on read)."},
    "connector": {"type": "string", "description": "Provenance: the connector that produced the record (added on read)."},
    "version": {"type": "integer", "description": "Provenance: version number of the record (added on read)."},
    "catatan": NOTES,
}


def enum(*v, null=True):
    return {"type": ["string", "null"] if null else "string", "enum": list(v) + ([None] if null else [])}


# Schemas holding personal data (UU PDP): reading them needs a stated purpose and is audited (docs/api.md).
PERSONAL = {"citizen", "permit", "business", "disbursement"}


def schema(name, title, props, required):
    p = dict(props)
    p.update(PROV)
    out = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://simpul.go.id/schemas/{name}.json",
        "title": title,
    }
    if name in PERSONAL:
        out["x-personal"] = True
    return out | {
        "type": "object",
        "required": ["source_system", "source_key"] + required,
        "additionalProperties": False,
        "properties": p,
    }


SCHEMAS = {
    "citizen": schema("citizen", "Penduduk (citizen) from the population registry", {
        "nik": {"type": "string", "pattern": "^[0-9]{16}$"},
        "no_kk": NIK, "no_kk_status": NIK_STATUS,
        "nama": REQ_S(200), "gelar": GELAR,
        "jenis_kelamin": enum("L", "P"),
        "tempat_lahir": S(100), "tanggal_lahir": {"type": "string", "format": "date"},
        "agama": enum("islam", "kristen", "katolik", "hindu", "buddha", "khonghucu", "kepercayaan"),
        "status_kawin": enum("belum_kawin", "kawin", "cerai_hidup", "cerai_mati"),
        "status_hubungan": enum("kepala_keluarga", "suami", "istri", "anak", "menantu", "cucu", "orang_tua", "mertua",
                                "famili_lain", "pembantu", "lainnya"),
        "pendidikan_kode": S(10), "pekerjaan_kode": S(10),
        "alamat": S(500), "rt": S(5), "rw": S(5), "kode_wilayah": WIL,
        "nik_ibu": NIK, "nik_ayah": NIK,
        "status_penduduk": enum("hidup", "mati", "pindah"),
        "tgl_update": DATETIME,
    }, ["nik", "nama", "tanggal_lahir"]),
    "permit": schema("permit", "Izin (permit application or licence)", {
        "no_permohonan": S(100), "jenis_izin": S(300), "kode_jenis_izin": S(50),
        "nik_pemohon": NIK, "nik_pemohon_asli": S(100), "nik_pemohon_status": NIK_STATUS,
        "nama_pemohon": S(200), "gelar_pemohon": GELAR, "alamat_pemohon": S(500), "tempat_lahir_pemohon": S(100),
        "tanggal_lahir_pemohon": DATE,
        "tgl_pengajuan": DATETIME, "updated_at": DATETIME, "tgl_penetapan": DATE, "masa_berlaku_sampai": DATE,
        "no_izin": S(100),
        "status": enum("proses", "selesai", "ditolak", "dicabut", "disetujui", "disetujui_otomatis"),
        "status_kode": S(10),
        "retribusi": MONEY, "kode_wilayah": WIL, "opd_penerbit": S(300),
        "nib": {"type": ["string", "null"], "pattern": "^[0-9]{13}$"}, "kbli": S(10), "tgl_terbit": DATE,
        "id_izin": S(100),
    }, []),
    "business": schema("business", "Pelaku usaha (business identity, OSS RBA)", {
        "nib": {"type": "string", "pattern": "^[0-9]{13}$"},
        "tgl_terbit_nib": DATE, "nama_perusahaan": REQ_S(300), "jenis_perseroan": S(50),
        "npwp": {"type": ["string", "null"], "pattern": "^[0-9]{15,16}$"}, "npwp_asli": S(50),
        "alamat_usaha": S(500), "kode_wilayah": WIL,
        "penanggung_jawab": {"type": "array", "items": {"type": "object", "additionalProperties": False, "properties": {
            "nik": NIK, "nik_asli": S(100), "nik_status": NIK_STATUS, "nama": S(200), "gelar": GELAR, "jabatan": S(100)}}},
        "kbli": {"type": "array", "items": {"type": "object", "additionalProperties": False, "properties": {
            "kode": {"type": "string", "pattern": "^[0-9]{5}$"}, "judul": S(300), "risiko": enum("R", "MR", "MT", "T")}}},
        "updated_at": DATETIME,
    }, ["nib", "nama_perusahaan"]),
    "planning_item": schema("planning_item", "Rencana (RKPD / Renja planning item, SIPD)", {
        "tahun": TAHUN, "dokumen": enum("RKPD", "RENJA", null=False),
        "tahapan": enum("rancangan_awal", "rancangan", "final", "perubahan", null=False),
        "kode_skpd": SKPD, "nama_skpd": S(300),
        "kode_sub_kegiatan": SUBKEG, "kode_sub_kegiatan_asli": {"type": "string"}, "nama_sub_kegiatan": S(500),
        "indikator": S(1000), "target": S(100), "satuan": S(100),
        "pagu_indikatif": {"type": "string", "format": "decimal", "pattern": "^[0-9]+\\.[0-9]{2}$"},
        "kode_lokasi": {"type": "array", "items": WIL},
    }, ["tahun", "dokumen", "tahapan", "kode_skpd", "kode_sub_kegiatan", "pagu_indikatif"]),
    "budget_line": schema("budget_line", "Anggaran (DPA budget line, SIPD)", {
        "tahun": TAHUN, "kode_pemda": {"type": "string", "pattern": "^[0-9]{2}(\\.[0-9]{2})?$"},
        "dokumen": S(20), "tahap": enum("murni", "pergeseran", "perubahan", null=False), "tanggal": DATE,
        "nomor_dpa": S(100), "kode_skpd": SKPD, "kode_sub_kegiatan": SUBKEG, "kode_sub_kegiatan_asli": {"type": "string"},
        "kode_akun": AKUN, "uraian": S(1000),
        "pagu": {"type": "string", "format": "decimal", "pattern": "^[0-9]+\\.[0-9]{2}$"},
        "sumber_dana": S(200),
        "anggaran_kas": {"type": ["array", "null"], "minItems": 12, "maxItems": 12, "items": MONEY},
    }, ["tahun", "tahap", "kode_skpd", "kode_sub_kegiatan", "kode_akun", "pagu"]),
    "disbursement": schema("disbursement", "Pencairan (one SP2D line, SIMDA Keuangan)", {
        "tahun": TAHUN, "no_sp2d": REQ_S(100), "baris": {"type": "integer", "minimum": 1},
        "tgl_sp2d": {"type": "string", "format": "date"}, "no_spm": S(100), "tgl_spm": DATE,
        "jn_spm": S(2), "jenis_spm": enum("UP", "GU", "TU", "LS_GAJI", "LS_BARANG_JASA"),
        "kode_simda_kegiatan": {"type": "string"}, "kode_simda_rekening": {"type": "string"},
        "kode_skpd": SKPD, "kode_sub_kegiatan": SUBKEG, "kode_akun": AKUN,
        "nilai": {"type": "string", "format": "decimal", "pattern": "^[0-9]+\\.[0-9]{2}$"},
        "potongan": MONEY,
        "nama_penerima": S(200), "gelar_penerima": GELAR,
        "nik_penerima": NIK, "nik_penerima_asli": S(100), "nik_penerima_status": NIK_STATUS,
        "npwp": S(50), "bank_penerima": S(200), "rekening_penerima": S(50), "keterangan": S(1000),
    }, ["tahun", "no_sp2d", "baris", "tgl_sp2d", "kode_skpd", "kode_sub_kegiatan", "kode_akun", "nilai"]),
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas")
os.makedirs(here, exist_ok=True)
for name, s in SCHEMAS.items():
    with open(os.path.join(here, f"{name}.json"), "w") as f:
        json.dump(s, f, indent=2, ensure_ascii=False)
        f.write("\n")
print("wrote", ", ".join(sorted(SCHEMAS)))
