"""FPX (PayNet) merchant settings. The embedded default points at the bundled simulator.

For PayNet UAT or production set FPX_SELLER_EX_ID, FPX_SELLER_ID, FPX_SELLER_BANK_CODE, FPX_PRIVATE_KEY_PATH,
FPX_CERT_PATHS (comma-separated: current and, during a rollover, the old certificate), FPX_AR_URL,
FPX_ENQUIRY_URL and FPX_BANKLIST_URL, and FPX_SIMULATOR_ENABLED=0.
"""

from config.env import BASE_DIR, env, env_bool, env_list

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
