# ruff: noqa
# fmt: off
"""transformers: from_pretrained on any class, pipeline, aliases, subclasses, revisions."""

import transformers as tf
from transformers import AutoModel, AutoTokenizer, pipeline
from transformers import AutoModelForCausalLM as LM
from transformers import PreTrainedModel

SHA = "0123456789abcdef0123456789abcdef01234567"
MODEL_ID = "org/constant-model"
BRANCH = "main"


class MyModel(PreTrainedModel):
    pass


AutoModel.from_pretrained("org/bare")  # expect: unpinned-model-download
AutoModel.from_pretrained("org/main-branch", revision="main")  # expect: unpinned-model-download
AutoModel.from_pretrained("org/tagged", revision="v1.0.0")  # expect: unpinned-model-download
AutoModel.from_pretrained("org/short", revision="0123abc")  # expect: unpinned-model-download bandit-misses
AutoModel.from_pretrained("org/hexbranch", revision="deadbeef")  # expect: unpinned-model-download bandit-misses
AutoModel.from_pretrained("org/pr", revision="refs/pr/1")  # expect: unpinned-model-download
AutoModel.from_pretrained("org/full", revision="0123456789abcdef0123456789abcdef01234567")
AutoModel.from_pretrained(pretrained_model_name_or_path="org/kw")  # expect: unpinned-model-download
AutoTokenizer.from_pretrained("org/tok", revision=SHA)
AutoTokenizer.from_pretrained(MODEL_ID)  # expect: unpinned-model-download
AutoTokenizer.from_pretrained(MODEL_ID, revision=BRANCH)  # expect: unpinned-model-download bandit-misses
tf.AutoModel.from_pretrained("org/alias-module")  # expect: unpinned-model-download
tf.BertModel.from_pretrained("bert-base-uncased")  # expect: unpinned-model-download
LM.from_pretrained("org/alias-class")  # expect: unpinned-model-download
MyModel.from_pretrained("org/subclass")  # expect: unpinned-model-download
AutoModel.from_pretrained("./checkpoints/local")
AutoModel.from_pretrained("/abs/path/model")
AutoModel.from_pretrained("../up/model")
AutoModel.from_pretrained("outputs/run-1/checkpoint-500")  # bandit-wrong: two slashes, so a local path
AutoModel.from_pretrained("org/remote", revision=SHA, trust_remote_code=True)  # expect: trust-remote-code
pipeline("text-classification", model="org/pipe")  # expect: unpinned-model-download bandit-misses
pipeline("text-classification", "org/pipe-positional")  # expect: unpinned-model-download bandit-misses
pipeline("text-classification", model="org/pipe", revision=SHA)
pipeline("sentiment-analysis")
tf.pipeline(task="fill-mask", model=MODEL_ID, revision="v2")  # expect: unpinned-model-download bandit-misses
AutoModel.from_pretrained("org/splat", **{"revision": SHA})  # bandit-wrong: pinned through **kwargs
AutoModel.from_pretrained(f"org/{'fstring'}")  # expect: unpinned-model-download
AutoModel.from_pretrained("org/" + "concat", revision="main")  # expect: unpinned-model-download
AutoModel.from_pretrained("org/cache-only", local_files_only=True)  # bandit-wrong: reads the local cache only
