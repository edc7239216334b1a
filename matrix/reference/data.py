"""The starting reference data, loaded by migration 0002. Staff edit it later in the admin."""

# (code, English, Malay, effective from, document the sector needs)
SECTORS = [
    ("accommodation", "ACCOMMODATION", "Premis Penginapan", "2020-01-01", "LICENCE_PERMIT"),
    ("agent", "AGENT", "Ejen", "2020-01-01", "OFFER_LETTER"),
    ("agriculture", "AGRICULTURE", "Pertanian", "2020-01-01", "LICENCE_PERMIT"),
    ("art", "ART", "Kesenian", "2020-01-01", "PROFESSIONAL_CERTIFICATE"),
    ("beauty-healthcare", "BEAUTY AND HEALTHCARE", "Penjagaan Perawatan dan Pemulihan Kesihatan", "2020-01-01",
     "PROFESSIONAL_CERTIFICATE"),
    ("construction", "CONSTRUCTION", "Pembinaan", "2020-01-01", "LICENCE_PERMIT"),
    ("data-processing", "DATA PROCESSING", "Pemprosesan Data", "2020-01-01", "OFFER_LETTER"),
    ("fishery", "FISHERY", "Perikanan", "2020-01-01", "LICENCE_PERMIT"),
    ("food", "FOOD", "Makanan", "2020-01-01", "LICENCE_PERMIT"),
    ("forestry", "FORESTRY", "Perhutanan", "2020-01-01", "LICENCE_PERMIT"),
    ("goods-food-transport", "GOODS AND FOODS TRANSPORT", "Pengangkutan Barangan atau Makanan", "2020-01-01",
     "OFFER_LETTER"),
    ("hawker", "HAWKER", "Penjaja", "2020-01-01", "LICENCE_PERMIT"),
    ("household-services", "HOUSEHOLD SERVICES", "Perkhidmatan Isi Rumah", "2020-01-01", "OFFER_LETTER"),
    ("information-technology", "INFORMATION TECHNOLOGY", "Teknologi Maklumat", "2020-01-01",
     "PROFESSIONAL_CERTIFICATE"),
    ("livestock", "LIVESTOCK", "Penternakan", "2020-01-01", "LICENCE_PERMIT"),
    ("manufacturing", "MANUFACTURING", "Pembuatan", "2020-01-01", "LICENCE_PERMIT"),
    ("online-business", "ONLINE BUSINESS", "Perniagaan Online", "2020-01-01", "LICENCE_PERMIT"),
    # Passenger transportation (taxi, e-hailing) was covered from the scheme's start on 1 June 2017.
    ("passenger-transportation", "PASSENGER TRANSPORTATION", "Pengangkutan Penumpang", "2017-06-01",
     "LICENCE_PERMIT"),
    ("professional-services", "PROFESSIONAL SERVICES", "Perkhidmatan Profesional", "2020-01-01",
     "PROFESSIONAL_CERTIFICATE"),
    ("support-services", "SUPPORT SERVICES", "Perkhidmatan Sokongan", "2020-01-01", "OFFER_LETTER"),
]

# sector code -> [(English, Malay)]: a sensible starting set; PERKESO publishes no official list.
CLASSES = {
    "accommodation": [("Homestay", "Inap Desa"), ("Short-term Rental", "Sewaan Jangka Pendek"),
                      ("Budget Hotel Operator", "Pengusaha Hotel Bajet")],
    "agent": [("Insurance Agent", "Ejen Insurans"), ("Property Agent", "Ejen Hartanah"),
              ("Direct Selling Agent", "Ejen Jualan Langsung"), ("Travel Agent", "Ejen Pelancongan")],
    "agriculture": [("Crop Farmer", "Petani Tanaman"), ("Smallholder", "Pekebun Kecil"),
                    ("Plantation Worker", "Pekerja Ladang")],
    "art": [("Musician", "Pemuzik"), ("Artist", "Artis"), ("Craftsperson", "Tukang Kraf"),
            ("Photographer", "Jurugambar")],
    "beauty-healthcare": [("Hairdresser", "Pendandan Rambut"), ("Beautician", "Jurusolek"),
                          ("Massage Therapist", "Terapis Urut"), ("Traditional Medicine Practitioner",
                                                                  "Pengamal Perubatan Tradisional")],
    "construction": [("Contractor", "Kontraktor"), ("Electrician", "Juruelektrik"), ("Plumber", "Tukang Paip"),
                     ("Carpenter", "Tukang Kayu")],
    "data-processing": [("Data Entry", "Kemasukan Data"), ("Transcription", "Transkripsi"),
                        ("Survey Enumerator", "Pembanci")],
    "fishery": [("Fisherman", "Nelayan"), ("Aquaculture Farmer", "Penternak Akuakultur"),
                ("Fish Trader", "Peniaga Ikan")],
    "food": [("Caterer", "Katerer"), ("Food Producer", "Pengeluar Makanan"), ("Home Baker", "Pembuat Kek Rumah")],
    "forestry": [("Logger", "Pembalak"), ("Forest Produce Collector", "Pengutip Hasil Hutan")],
    "goods-food-transport": [("Food Delivery Rider", "Penghantar Makanan"), ("Parcel Courier", "Kurier Bungkusan"),
                             ("Lorry Driver", "Pemandu Lori")],
    "hawker": [("Stall Hawker", "Penjaja Gerai"), ("Night Market Trader", "Peniaga Pasar Malam"),
               ("Mobile Hawker", "Penjaja Bergerak")],
    "household-services": [("Cleaner", "Pembersih"), ("Babysitter", "Pengasuh"), ("Gardener", "Tukang Kebun"),
                           ("Laundry", "Dobi")],
    "information-technology": [("Mobile Application", "Aplikasi Mudah Alih"), ("Web Development", "Pembangunan Web"),
                               ("IT Support", "Sokongan IT"), ("Graphic Design", "Reka Bentuk Grafik")],
    "livestock": [("Poultry Farmer", "Penternak Ayam"), ("Cattle Farmer", "Penternak Lembu"),
                  ("Goat Farmer", "Penternak Kambing")],
    "manufacturing": [("Tailor", "Tukang Jahit"), ("Handicraft Maker", "Pembuat Kraftangan"),
                      ("Small Workshop", "Bengkel Kecil")],
    "online-business": [("Online Seller", "Penjual Dalam Talian"), ("Dropshipper", "Dropshipper"),
                        ("Content Creator", "Pencipta Kandungan")],
    "passenger-transportation": [("E-hailing Driver", "Pemandu E-hailing"), ("Taxi Driver", "Pemandu Teksi"),
                                 ("Bus Driver", "Pemandu Bas"), ("Boat Operator", "Pengendali Bot")],
    "professional-services": [("Consultant", "Perunding"), ("Accountant", "Akauntan"), ("Architect", "Arkitek"),
                              ("Lawyer", "Peguam")],
    "support-services": [("Security Guard", "Pengawal Keselamatan"), ("Event Crew", "Krew Acara"),
                         ("Tutor", "Tutor"), ("Translator", "Penterjemah")],
}

# Plan, insured monthly earnings, monthly contribution (First Schedule of Act 789), in force from 1 June 2017.
PLANS = [
    (1, "1050.00", "13.10"),
    (2, "1550.00", "19.40"),
    (3, "2950.00", "36.90"),
    (4, "3950.00", "49.40"),
]
PLANS_EFFECTIVE_FROM = "2017-06-01"

# State code, name, [(city, postcode)], PERKESO branch
STATES = [
    ("JHR", "Johor", [("Johor Bahru", "80000"), ("Batu Pahat", "83000"), ("Muar", "84000"), ("Kluang", "86000"),
                      ("Segamat", "85000")], "Pejabat PERKESO Johor Bahru"),
    ("KDH", "Kedah", [("Alor Setar", "05000"), ("Sungai Petani", "08000"), ("Kulim", "09000"),
                      ("Langkawi", "07000")], "Pejabat PERKESO Alor Setar"),
    ("KTN", "Kelantan", [("Kota Bharu", "15000"), ("Kuala Krai", "18000"), ("Pasir Mas", "17000"),
                         ("Tanah Merah", "17500")], "Pejabat PERKESO Kota Bharu"),
    ("MLK", "Melaka", [("Melaka", "75000"), ("Alor Gajah", "78000"), ("Jasin", "77000")],
     "Pejabat PERKESO Melaka"),
    ("NSN", "Negeri Sembilan", [("Seremban", "70000"), ("Port Dickson", "71000"), ("Nilai", "71800")],
     "Pejabat PERKESO Seremban"),
    ("PHG", "Pahang", [("Kuantan", "25000"), ("Temerloh", "28000"), ("Bentong", "28700"), ("Raub", "27600")],
     "Pejabat PERKESO Kuantan"),
    ("PNG", "Pulau Pinang", [("George Town", "10000"), ("Butterworth", "12000"), ("Bukit Mertajam", "14000"),
                             ("Bayan Lepas", "11900")], "Pejabat PERKESO Pulau Pinang"),
    ("PRK", "Perak", [("Ipoh", "30000"), ("Taiping", "34000"), ("Teluk Intan", "36000"), ("Manjung", "32040")],
     "Pejabat PERKESO Ipoh"),
    ("PLS", "Perlis", [("Kangar", "01000"), ("Arau", "02600")], "Pejabat PERKESO Kangar"),
    ("SBH", "Sabah", [("Kota Kinabalu", "88000"), ("Sandakan", "90000"), ("Tawau", "91000"),
                      ("Lahad Datu", "91100")], "Pejabat PERKESO Kota Kinabalu"),
    ("SWK", "Sarawak", [("Kuching", "93000"), ("Miri", "98000"), ("Sibu", "96000"), ("Bintulu", "97000")],
     "Pejabat PERKESO Kuching"),
    ("SGR", "Selangor", [("Shah Alam", "40000"), ("Petaling Jaya", "46000"), ("Klang", "41000"),
                         ("Kajang", "43000"), ("Subang Jaya", "47500")], "Pejabat PERKESO Shah Alam"),
    ("TRG", "Terengganu", [("Kuala Terengganu", "20000"), ("Kemaman", "24000"), ("Dungun", "23000")],
     "Pejabat PERKESO Kuala Terengganu"),
    ("KUL", "W.P. Kuala Lumpur", [("Kuala Lumpur", "50000"), ("Cheras", "56000"), ("Kepong", "52100"),
                                  ("Setapak", "53000")], "Pejabat PERKESO Kuala Lumpur"),
    ("LBN", "W.P. Labuan", [("Labuan", "87000")], "Pejabat PERKESO Labuan"),
    ("PJY", "W.P. Putrajaya", [("Putrajaya", "62000")], "Pejabat PERKESO Putrajaya"),
]

# FPX B2C banks (code, display name). Availability comes live from FPX's bank list (BC).
BANKS = [
    ("ABB0233", "Affin Bank"), ("ABMB0212", "Alliance Bank (Personal)"), ("AGRO01", "AGRONet"),
    ("AMBB0209", "AmBank"), ("BIMB0340", "Bank Islam"), ("BMMB0341", "Bank Muamalat"),
    ("BKRM0602", "Bank Rakyat"), ("BSN0601", "BSN"), ("BCBB0235", "CIMB Clicks"),
    ("HLB0224", "Hong Leong Bank"), ("HSBC0223", "HSBC Bank"), ("KFH0346", "KFH"),
    ("MBB0228", "Maybank2E"), ("MB2U0227", "Maybank2U"), ("OCBC0229", "OCBC Bank"),
    ("PBB0233", "Public Bank"), ("RHB0218", "RHB Bank"), ("SCB0216", "Standard Chartered"),
    ("UOB0226", "UOB Bank"),
]

RACES = [("malay", "Malay", "Melayu"), ("chinese", "Chinese", "Cina"), ("indian", "Indian", "India"),
         ("bumiputera-sabah", "Bumiputera Sabah", "Bumiputera Sabah"),
         ("bumiputera-sarawak", "Bumiputera Sarawak", "Bumiputera Sarawak"), ("others", "Others", "Lain-lain")]

NATIONALITIES = [("malaysian", "Malaysian", "Warganegara Malaysia"),
                 ("permanent-resident", "Permanent Resident", "Penduduk Tetap")]

SELF_EMPLOYED_STATUSES = [
    ("full-time", "Full-time self-employed", "Bekerja sendiri sepenuh masa"),
    ("part-time", "Part-time self-employed", "Bekerja sendiri separuh masa"),
    ("employee-and-self-employed", "Employee who is also self-employed", "Pekerja yang juga bekerja sendiri"),
    ("others", "Others", "Lain-lain"),
]
