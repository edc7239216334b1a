from django.apps import AppConfig


class FpxSimulatorConfig(AppConfig):
    name = "matrix.fpx_simulator"
    label = "fpx_simulator"
