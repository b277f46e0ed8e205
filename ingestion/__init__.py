"""Reading landing files per the data contract: plain Python, no Dagster."""
