"""Password hashing: Argon2id at OWASP's recommended minimum instead of Django's heavier defaults (issue 13).

Django's Argon2PasswordHasher asks for 100 MiB, 2 passes and 8 lanes: about 300 ms of CPU per sign-in on this
service's 2-core hosts, so a campaign deadline's crowd of sign-ins queues behind the hashing alone (the Locust
journey's p95 was 4.7 s, almost all of it sign-in). OWASP's Password Storage Cheat Sheet recommends Argon2id with
at least 19 MiB, 2 passes and 1 lane; that is what this hasher uses unless the environment asks for more
(PASSWORD_ARGON2_MEMORY_KIB, PASSWORD_ARGON2_TIME_COST, PASSWORD_ARGON2_PARALLELISM). The lanes are 1 because the
hosts have 2 cores: more lanes buy an attacker's GPU nothing and cost the server threads it does not have.

The algorithm name stays "argon2", so every stored hash (whatever its parameters, which it carries) still
verifies, and Django rehashes it with these parameters at the person's next sign-in (must_update)."""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's minimum parameters, or stronger ones from the settings (never weaker)."""

    @property
    def memory_cost(self) -> int:
        return max(getattr(settings, "PASSWORD_ARGON2_MEMORY_KIB", OWASP_MEMORY_KIB), OWASP_MEMORY_KIB)

    @property
    def time_cost(self) -> int:
        return max(getattr(settings, "PASSWORD_ARGON2_TIME_COST", OWASP_TIME_COST), OWASP_TIME_COST)

    @property
    def parallelism(self) -> int:
        return max(getattr(settings, "PASSWORD_ARGON2_PARALLELISM", OWASP_PARALLELISM), OWASP_PARALLELISM)
