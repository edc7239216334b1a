from tests.backoffice.conftest import administrator, officer, supervisor  # noqa: F401  (pytest fixtures)
