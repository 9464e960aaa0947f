from django.apps import AppConfig


class BenchReferenceConfig(AppConfig):
    name = "bench.reference"
    label = "bench_reference"
    verbose_name = "Benchmark reference views"
