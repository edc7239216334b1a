# ruff: noqa: E501 (page texts: one line per list item or paragraph, as staff edit them)
"""The texts the content pages start with. Migrations 0002 and 0003 seed them (0003 also brings pages that staff
never edited up to these texts); the public page falls back to them when a row is missing."""

HELP_EN = """## Getting started
1. Create a MATRIX account: sign up with your IC number, confirm the code sent to your mobile, then activate the account from the email.
2. Log in with your IC number, check your secret phrase, then enter your password.
3. Choose I'M SELF-EMPLOYED, register the sector you work in, pick a plan and pay with FPX online banking.
4. Protection commences upon payment accepted and receipt issued. Renew before your coverage expires.

## Paying your contribution
- Pay online with FPX from the account of any bank on the list. The amount is the plan's monthly contribution times the months you choose (1 to 12).
- Your receipt is ready as soon as the bank approves the payment: open Contribution History and choose Download Receipt.
- If the bank page was closed before you finished, open the contribution again: it tells you whether money was taken and what to do next.

## Checking your cover
- Your Dashboard shows each sector you registered and the date your cover ends.
- Anyone can check whether an IC number is covered in a sector today with the Coverage check on the home page.

## Forgot your password?
Choose Login, enter your IC number, then Forgot password. A code is sent to your registered mobile number.

## Making a claim
Report an accident at work to the nearest PERKESO office as soon as you can. A claim must fall inside a covered period."""

HELP_MS = """## Bermula
1. Cipta akaun MATRIX: daftar dengan nombor kad pengenalan anda, sahkan kod yang dihantar ke telefon bimbit anda, kemudian aktifkan akaun melalui e-mel.
2. Log masuk dengan nombor kad pengenalan anda, semak frasa rahsia anda, kemudian masukkan kata laluan anda.
3. Pilih SAYA BEKERJA SENDIRI, daftar sektor pekerjaan anda, pilih pelan dan bayar melalui perbankan dalam talian FPX.
4. Perlindungan bermula sebaik sahaja bayaran diterima dan resit dikeluarkan. Perbaharui sebelum perlindungan anda tamat.

## Membayar caruman anda
- Bayar dalam talian melalui FPX dari akaun mana-mana bank dalam senarai. Jumlahnya ialah caruman bulanan pelan didarab dengan bilangan bulan yang anda pilih (1 hingga 12).
- Resit anda sedia sebaik sahaja bank meluluskan bayaran: buka Sejarah Caruman dan pilih Muat Turun Resit.
- Jika halaman bank ditutup sebelum anda selesai, buka semula caruman tersebut: ia memberitahu sama ada wang telah diambil dan apa yang perlu dilakukan seterusnya.

## Menyemak perlindungan anda
- Papan Pemuka anda menunjukkan setiap sektor yang anda daftar dan tarikh perlindungan anda tamat.
- Sesiapa sahaja boleh menyemak sama ada sesuatu nombor kad pengenalan dilindungi dalam sesuatu sektor hari ini melalui Semakan perlindungan di halaman utama.

## Terlupa kata laluan?
Pilih Log Masuk, masukkan nombor kad pengenalan anda, kemudian Terlupa kata laluan. Kod dihantar ke nombor telefon bimbit berdaftar anda.

## Membuat tuntutan
Laporkan kemalangan semasa bekerja ke pejabat PERKESO yang terdekat secepat mungkin. Tuntutan mesti berlaku dalam tempoh perlindungan."""

TERMS_EN = """1. The Self-Employment Social Security Scheme is for Malaysian citizens and permanent residents who work for themselves.
2. Protection is based on the date and time the contribution is paid, as certified by the receipt. Cover is never backdated.
3. The contribution plan is locked for one year from the start of a sector's first coverage.
4. You certify that all particulars you give are true. Registrations cannot be edited after submission.
5. Payments are made through FPX online banking. A payment still in progress must settle before another is made.
6. Your personal data is processed under the Personal Data Protection Act 2010 for the administration of the scheme.
7. Keep your password and secret phrase to yourself. PERKESO will never ask for your password by phone, SMS or email.
8. A claim for benefit must be for an injury or disease that happened inside a covered period, and is barred 72 months after the accident (Act 789, section 14).
9. A contribution that PERKESO cancels is refunded to the bank account it was paid from.
10. PERKESO may change these terms; the version on this page is the one in force."""

TERMS_MS = """1. Skim Keselamatan Sosial Pekerjaan Sendiri adalah untuk warganegara Malaysia dan penduduk tetap yang bekerja sendiri.
2. Perlindungan adalah berdasarkan tarikh dan masa caruman dibayar, seperti yang disahkan oleh resit. Perlindungan tidak sekali-kali berkuat kuasa ke belakang.
3. Pelan caruman dikunci selama satu tahun dari permulaan perlindungan pertama sesuatu sektor.
4. Anda mengesahkan bahawa semua butiran yang diberikan adalah benar. Pendaftaran tidak boleh diubah selepas dihantar.
5. Bayaran dibuat melalui perbankan dalam talian FPX. Bayaran yang masih dalam proses mesti selesai sebelum bayaran lain dibuat.
6. Data peribadi anda diproses di bawah Akta Perlindungan Data Peribadi 2010 untuk pentadbiran skim.
7. Rahsiakan kata laluan dan frasa rahsia anda. PERKESO tidak akan sekali-kali meminta kata laluan anda melalui telefon, SMS atau e-mel.
8. Tuntutan faedah mestilah bagi kecederaan atau penyakit yang berlaku dalam tempoh perlindungan, dan luput 72 bulan selepas kemalangan (Akta 789, seksyen 14).
9. Caruman yang dibatalkan oleh PERKESO dikembalikan ke akaun bank yang digunakan untuk membayarnya.
10. PERKESO boleh mengubah terma ini; versi di halaman ini ialah versi yang berkuat kuasa."""

FAQ_EN = """## Who can join the scheme?
Malaysian citizens and permanent residents who work for themselves. There is no age limit.

## Must I register?
Registration and contribution are compulsory for self-employed people in passenger transportation (such as taxi and e-hailing drivers), goods and food transport (such as delivery riders) and hawkers. Failing to do so is an offence under Act 789: a fine of up to RM10,000, imprisonment of up to two years, or both. People in the other sectors are welcome to join.

## When does my protection start?
When your payment is accepted and the receipt is issued. Cover is never backdated.

## How much does it cost?
From RM13.10 a month (Plan 1) to RM49.40 a month (Plan 4). The Benefits page shows every plan with what it pays.

## Can I change my plan?
The plan is locked for one year from the start of a sector's first cover. After that, a renewal may choose another plan.

## I work in two sectors. Do I register twice?
Yes. Register each sector you work in; each has its own plan and its own cover. The same sector cannot be registered twice.

## My FPX payment says Pending. What should I do?
The FPX transaction is still in progress. Please retry after 60 minutes; you will not be charged twice.

## How do I renew?
Open Contribution History and choose Renew Now, or Renew in the menu. A renewal paid while you are covered starts the day after your cover ends, so you lose no days."""

FAQ_MS = """## Siapa boleh menyertai skim ini?
Warganegara Malaysia dan penduduk tetap yang bekerja sendiri. Tiada had umur.

## Adakah saya wajib mendaftar?
Pendaftaran dan caruman adalah wajib bagi pekerja sendiri dalam pengangkutan penumpang (seperti pemandu teksi dan e-hailing), pengangkutan barangan atau makanan (seperti penghantar makanan) dan penjaja. Kegagalan berbuat demikian adalah satu kesalahan di bawah Akta 789: denda sehingga RM10,000, penjara sehingga dua tahun, atau kedua-duanya. Pekerja dalam sektor lain dialu-alukan untuk menyertai.

## Bilakah perlindungan saya bermula?
Apabila bayaran anda diterima dan resit dikeluarkan. Perlindungan tidak sekali-kali berkuat kuasa ke belakang.

## Berapakah kosnya?
Dari RM13.10 sebulan (Pelan 1) hingga RM49.40 sebulan (Pelan 4). Halaman Faedah menunjukkan setiap pelan dengan faedah yang dibayar.

## Bolehkah saya menukar pelan?
Pelan dikunci selama satu tahun dari permulaan perlindungan pertama sesuatu sektor. Selepas itu, pembaharuan boleh memilih pelan lain.

## Saya bekerja dalam dua sektor. Adakah saya mendaftar dua kali?
Ya. Daftar setiap sektor pekerjaan anda; setiap satu mempunyai pelan dan perlindungan tersendiri. Sektor yang sama tidak boleh didaftarkan dua kali.

## Bayaran FPX saya berstatus Belum Selesai. Apa yang perlu saya lakukan?
Transaksi FPX masih dalam proses. Sila cuba semula selepas 60 minit; anda tidak akan dicaj dua kali.

## Bagaimanakah saya memperbaharui?
Buka Sejarah Caruman dan pilih Perbaharui Sekarang, atau Perbaharui dalam menu. Pembaharuan yang dibayar semasa anda dilindungi bermula sehari selepas perlindungan anda tamat, jadi anda tidak kehilangan sebarang hari."""

CONTACT_EN = """## PERKESO Careline
Phone 1-300-22-8000, Monday to Friday, 8.00 am to 5.00 pm (except public holidays).
Email perkeso@perkeso.gov.my

## Head office
Social Security Organisation (PERKESO)
Menara PERKESO, No. 281, Jalan Ampang
50538 Kuala Lumpur

## When you write to us
- Give your IC number and, if you have one, your Self-Employed Code.
- For a payment, give the Receipt No. or the FPX Transaction ID.
- Never send your password or your secret phrase."""

CONTACT_MS = """## Talian Careline PERKESO
Telefon 1-300-22-8000, Isnin hingga Jumaat, 8.00 pagi hingga 5.00 petang (kecuali cuti umum).
E-mel perkeso@perkeso.gov.my

## Ibu pejabat
Pertubuhan Keselamatan Sosial (PERKESO)
Menara PERKESO, No. 281, Jalan Ampang
50538 Kuala Lumpur

## Apabila anda menulis kepada kami
- Nyatakan nombor kad pengenalan anda dan, jika ada, Kod Pekerja Sendiri anda.
- Bagi sesuatu bayaran, nyatakan No. Resit atau ID Transaksi FPX.
- Jangan sekali-kali menghantar kata laluan atau frasa rahsia anda."""

DEFAULT_PAGES = {
    "help": {"title_en": "Help", "title_ms": "Bantuan", "body_en": HELP_EN, "body_ms": HELP_MS},
    "faq": {"title_en": "Frequently Asked Questions", "title_ms": "Soalan Lazim", "body_en": FAQ_EN,
            "body_ms": FAQ_MS},
    "terms": {"title_en": "Terms & Conditions", "title_ms": "Terma & Syarat", "body_en": TERMS_EN,
              "body_ms": TERMS_MS},
    "contact": {"title_en": "Contact Us", "title_ms": "Hubungi Kami", "body_en": CONTACT_EN,
                "body_ms": CONTACT_MS},
}
