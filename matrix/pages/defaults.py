# ruff: noqa: E501 (page texts: one line per list item or paragraph, as staff edit them)
"""The texts the content pages started with (the templates' texts before the pages became editable). Migration
0002 seeds them; the public page falls back to them when a row is missing."""

HELP_EN = """1. Create a MATRIX account: sign up with your IC number, confirm the code sent to your mobile, then activate the account from the email.
2. Log in with your IC number, check your secret phrase, then enter your password.
3. Choose I'M SELF-EMPLOYED, register the sector you work in, pick a plan and pay with FPX online banking.
4. Protection commences upon payment accepted and receipt issued. Renew before your coverage expires."""

HELP_MS = """1. Cipta akaun MATRIX: daftar dengan nombor kad pengenalan anda, sahkan kod yang dihantar ke telefon bimbit anda, kemudian aktifkan akaun melalui e-mel.
2. Log masuk dengan nombor kad pengenalan anda, semak frasa rahsia anda, kemudian masukkan kata laluan anda.
3. Pilih SAYA BEKERJA SENDIRI, daftar sektor pekerjaan anda, pilih pelan dan bayar melalui perbankan dalam talian FPX.
4. Perlindungan bermula sebaik sahaja bayaran diterima dan resit dikeluarkan. Perbaharui sebelum perlindungan anda tamat."""

TERMS_EN = """1. The Self-Employment Social Security Scheme is for Malaysian citizens and permanent residents who work for themselves.
2. Protection is based on the date and time the contribution is paid, as certified by the receipt. Cover is never backdated.
3. The contribution plan is locked for one year from the start of a sector's first coverage.
4. You certify that all particulars you give are true. Registrations cannot be edited after submission.
5. Payments are made through FPX online banking. A payment still in progress must settle before another is made.
6. Your personal data is processed under the Personal Data Protection Act 2010 for the administration of the scheme."""

TERMS_MS = """1. Skim Keselamatan Sosial Pekerjaan Sendiri adalah untuk warganegara Malaysia dan penduduk tetap yang bekerja sendiri.
2. Perlindungan adalah berdasarkan tarikh dan masa caruman dibayar, seperti yang disahkan oleh resit. Perlindungan tidak sekali-kali berkuat kuasa ke belakang.
3. Pelan caruman dikunci selama satu tahun dari permulaan perlindungan pertama sesuatu sektor.
4. Anda mengesahkan bahawa semua butiran yang diberikan adalah benar. Pendaftaran tidak boleh diubah selepas dihantar.
5. Bayaran dibuat melalui perbankan dalam talian FPX. Bayaran yang masih dalam proses mesti selesai sebelum bayaran lain dibuat.
6. Data peribadi anda diproses di bawah Akta Perlindungan Data Peribadi 2010 untuk pentadbiran skim."""

FAQ_EN = """## Who can join the scheme?
Malaysian citizens and permanent residents who work for themselves. There is no age limit.

## When does my protection start?
When your payment is accepted and the receipt is issued. Cover is never backdated.

## Can I change my plan?
The plan is locked for one year from the start of a sector's first cover. After that, a renewal may choose another plan.

## My FPX payment says Pending. What should I do?
The FPX transaction is still in progress. Please retry after 60 minutes; you will not be charged twice."""

FAQ_MS = """## Siapa boleh menyertai skim ini?
Warganegara Malaysia dan penduduk tetap yang bekerja sendiri. Tiada had umur.

## Bilakah perlindungan saya bermula?
Apabila bayaran anda diterima dan resit dikeluarkan. Perlindungan tidak sekali-kali berkuat kuasa ke belakang.

## Bolehkah saya menukar pelan?
Pelan dikunci selama satu tahun dari permulaan perlindungan pertama sesuatu sektor. Selepas itu, pembaharuan boleh memilih pelan lain.

## Bayaran FPX saya berstatus Belum Selesai. Apa yang perlu saya lakukan?
Transaksi FPX masih dalam proses. Sila cuba semula selepas 60 minit; anda tidak akan dicaj dua kali."""

DEFAULT_PAGES = {
    "help": {"title_en": "Help", "title_ms": "Bantuan", "body_en": HELP_EN, "body_ms": HELP_MS},
    "faq": {"title_en": "Frequently Asked Questions", "title_ms": "Soalan Lazim", "body_en": FAQ_EN,
            "body_ms": FAQ_MS},
    "terms": {"title_en": "Terms & Conditions", "title_ms": "Terma & Syarat", "body_en": TERMS_EN,
              "body_ms": TERMS_MS},
}
