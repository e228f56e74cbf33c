# ruff: noqa
# fmt: off
"""datasets: load_dataset with hub ids, packaged builders, positional revision."""

from datasets import load_dataset
import datasets as ds

SHA = "0123456789abcdef0123456789abcdef01234567"

load_dataset("org/dataset")  # expect: unpinned-model-download
load_dataset("org/dataset", "config", split="train")  # expect: unpinned-model-download
load_dataset("org/dataset", revision="main")  # expect: unpinned-model-download
load_dataset("org/dataset", revision=SHA)
load_dataset("org/positional", None, None, None, None, None, None, None, None, None, None, False, SHA)  # bandit-wrong: a full SHA passed as the 13th positional argument
load_dataset("org/positional-branch", None, None, None, None, None, None, None, None, None, None, False, "main")  # expect: unpinned-model-download
load_dataset("json", data_files="data/train.jsonl")  # bandit-wrong: packaged builder reads local files
load_dataset("csv", data_files={"train": "train.csv"})  # bandit-wrong: packaged builder reads local files
load_dataset("parquet", data_files="x.parquet")  # bandit-wrong: packaged builder reads local files
load_dataset("text", data_files="corpus.txt")  # bandit-wrong: packaged builder reads local files
ds.load_dataset("squad")  # expect: unpinned-model-download
ds.load_dataset("org/script-dataset", revision=SHA, trust_remote_code=True)  # expect: trust-remote-code
