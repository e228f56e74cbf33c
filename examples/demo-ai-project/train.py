"""Fine-tune a sentiment classifier (demo: every model download here has a problem)."""

import argparse

from datasets import load_dataset
from transformers import AutoModelForSequenceClassification, AutoTokenizer

parser = argparse.ArgumentParser()
parser.add_argument("--base-model", default="distilbert/distilbert-base-uncased")
parser.add_argument("--revision", default="main")


def main() -> None:
    args = parser.parse_args()
    # Unpinned: the revision default is a branch.
    tokenizer = AutoTokenizer.from_pretrained(args.base_model, revision=args.revision)
    # Unpinned: no revision at all.
    model = AutoModelForSequenceClassification.from_pretrained("demo-org/sentiment-head")
    # Pinned, but not to the revision chainward.lock records for this model.
    teacher = AutoModelForSequenceClassification.from_pretrained(
        "demo-org/sentiment-classifier", revision="1111111111111111111111111111111111111111"
    )
    # Runs Python from the dataset repository.
    data = load_dataset("demo-org/reviews", trust_remote_code=True)
    print(tokenizer, model, teacher, data)


if __name__ == "__main__":
    main()
