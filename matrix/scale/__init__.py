"""National-scale data for benchmarks (`manage.py seed_scale`): a top room, like the demo loader, that writes
through every app's tables but is called by nothing else."""
