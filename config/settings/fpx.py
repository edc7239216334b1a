"""FPX (PayNet) merchant settings. The embedded default points at the bundled simulator.

For PayNet UAT or production set FPX_SELLER_EX_ID, FPX_SELLER_ID, FPX_SELLER_BANK_CODE, FPX_PRIVATE_KEY_PATH,
FPX_CERT_PATHS (comma-separated: current and, during a rollover, the old certificate), FPX_AR_URL,
FPX_ENQUIRY_URL and FPX_BANKLIST_URL, and FPX_SIMULATOR_ENABLED=0.
"""

from config.env import BASE_DIR, env, env_bool, env_int, env_list

KEYS_DIR = BASE_DIR / "var" / "keys"

FPX_SIMULATOR_ENABLED = env_bool("FPX_SIMULATOR_ENABLED", True)
FPX_SELLER_EX_ID = env("FPX_SELLER_EX_ID", "EX00000001")
FPX_SELLER_ID = env("FPX_SELLER_ID", "SE00000001")
FPX_SELLER_BANK_CODE = env("FPX_SELLER_BANK_CODE", "01")
FPX_VERSION = env("FPX_VERSION", "7.0")
FPX_PRIVATE_KEY_PATH = env("FPX_PRIVATE_KEY_PATH", str(KEYS_DIR / "seller_private.pem"))
FPX_CERT_PATHS = env_list("FPX_CERT_PATHS", [str(KEYS_DIR / "fpx_simulator_cert.pem")])
# Where the browser posts the AR, and where we send AE and BE host-to-host. Empty: the simulator's own URLs
# on this server (PORTAL_BASE_URL + /fpx-simulator/...).
FPX_AR_URL = env("FPX_AR_URL")
FPX_ENQUIRY_URL = env("FPX_ENQUIRY_URL")
FPX_BANKLIST_URL = env("FPX_BANKLIST_URL")
# How long FPX accepts an AR (and so how long the bank may still approve it): until then an enquiry's "76
# transaction not found" is not final, and a repeated start of the same contribution reuses the same AR.
FPX_AR_VALIDITY_SECONDS = int(env("FPX_AR_VALIDITY_SECONDS", str(30 * 60)))
# The bounded life of a pending payment. It is first asked about (AE) FPX_REQUERY_AFTER_SECONDS after the AR
# (config/settings/celery.py, 15 min), then after each further step of this backoff (30 min, 1 h, 2 h, then every
# 6 h: the last step repeats), until it is FPX_PENDING_MAX_AGE_SECONDS old (3 days): then it is marked "Needs
# attention" for staff. A person's PAYMENT DETAILS page may ask sooner, but never twice within
# FPX_ENQUIRY_MIN_INTERVAL_SECONDS. One re-query run stops after FPX_REQUERY_RUN_BUDGET_SECONDS (less than the
# beat's interval) and leaves the rest to the next run.
FPX_REQUERY_BACKOFF_SECONDS = [int(step) for step in env_list("FPX_REQUERY_BACKOFF_SECONDS",
                                                              ["1800", "3600", "7200", "21600"])]
FPX_PENDING_MAX_AGE_SECONDS = env_int("FPX_PENDING_MAX_AGE_SECONDS", 3 * 24 * 60 * 60)
FPX_ENQUIRY_MIN_INTERVAL_SECONDS = env_int("FPX_ENQUIRY_MIN_INTERVAL_SECONDS", 5 * 60)
FPX_REQUERY_RUN_BUDGET_SECONDS = env_int("FPX_REQUERY_RUN_BUDGET_SECONDS", 4 * 60)
# How many enquiries one re-query run has in flight at once (each payment is still claimed exactly once).
FPX_REQUERY_CONCURRENCY = env_int("FPX_REQUERY_CONCURRENCY", 8)
# Public base URL of this portal, used for the simulator's host-to-host calls and links in emails.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# The simulator (embedded default and tests only): it signs BC/AC with its own generated key, and verifies
# our BE/AR/AE with the seller's certificate. `make run` / `make test` generate both pairs (manage.py fpx_keys).
FPX_SIMULATOR_PRIVATE_KEY_PATH = env("FPX_SIMULATOR_PRIVATE_KEY_PATH", str(KEYS_DIR / "fpx_simulator_private.pem"))
FPX_SIMULATOR_SELLER_CERT_PATH = env("FPX_SIMULATOR_SELLER_CERT_PATH", str(KEYS_DIR / "seller_cert.pem"))
# How the simulator delivers the direct AC: normal, delay, duplicate, reorder or drop (tests change it).
FPX_SIMULATOR_DIRECT_AC_MODE = env("FPX_SIMULATOR_DIRECT_AC_MODE", "normal")
FPX_SIMULATOR_DIRECT_AC_DELAY_SECONDS = float(env("FPX_SIMULATOR_DIRECT_AC_DELAY_SECONDS", "2"))
FPX_SIMULATOR_DIRECT_AC_COPIES = int(env("FPX_SIMULATOR_DIRECT_AC_COPIES", "2"))  # for mode "duplicate"
FPX_SIMULATOR_DIRECT_AC_TRIES = int(env("FPX_SIMULATOR_DIRECT_AC_TRIES", "5"))
FPX_SIMULATOR_DIRECT_AC_BACKOFF_SECONDS = float(env("FPX_SIMULATOR_DIRECT_AC_BACKOFF_SECONDS", "0.5"))
# Banks the simulator reports offline ("B") in its bank list.
FPX_SIMULATOR_OFFLINE_BANKS = set(env_list("FPX_SIMULATOR_OFFLINE_BANKS", ["HSBC0223"]))
# Where the simulator sends ACs; empty: the host that received the AR.
FPX_SIMULATOR_MERCHANT_BASE_URL = env("FPX_SIMULATOR_MERCHANT_BASE_URL")
FPX_SIMULATOR_MERCHANT_NAME = env("FPX_SIMULATOR_MERCHANT_NAME", "PERKESO")
