"""Run directories: what training and conversion write, and what the other commands read."""

from kerazoo.runs.run_directory import MODEL_FILE, RUN_FILE, TOKENIZER_DIR, load_run, save_run

__all__ = ["MODEL_FILE", "RUN_FILE", "TOKENIZER_DIR", "load_run", "save_run"]
