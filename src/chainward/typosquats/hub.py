"""Look-alikes of popular Hugging Face organisations and container images.

Both lists are short (dozens of names), so a name is compared with each entry; the
comparison is the same edit classification as for packages (one Damerau edit, or the
confusables fold), limited to names of five or more characters so that short,
unrelated organisations (``bert``, ``gpt2``) are not matched by chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from chainward.typosquats.datafiles import data_lines, data_text
from chainward.typosquats.edits import single_edit
from chainward.typosquats.lookalikes import fold
from chainward.typosquats.scoring import classify_edit

MIN_LENGTH = 5


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A name that imitates a popular one."""

    name: str
    target: str
    technique: str


@lru_cache(maxsize=1)
def popular_orgs() -> tuple[str, ...]:
    """Popular Hugging Face organisations, as shipped (original case)."""
    return tuple(data_lines(data_text("hf-orgs.txt")))


@lru_cache(maxsize=1)
def popular_images() -> tuple[str, ...]:
    """Popular container images, normalised (see :func:`image_repository`)."""
    return tuple(image_repository(i) for i in data_lines(data_text("images.txt")))


def image_repository(image: str) -> str:
    """The repository part of an image reference: no tag, digest, docker.io/library."""
    ref = image.strip().lower().split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref = ref[:colon]
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
    if ref.startswith("library/"):
        ref = ref[len("library/") :]
    return ref


def _near(name: str, popular: tuple[str, ...]) -> NearMiss | None:
    lowered = {p.lower(): p for p in popular}
    key = name.lower()
    if key in lowered or len(key) < MIN_LENGTH:
        return None
    folded = fold(key)
    for low, original in lowered.items():
        if len(low) < MIN_LENGTH or abs(len(low) - len(key)) > 1:
            continue
        edit = single_edit(key, low)
        if (
            edit is not None
            and "-" not in edit.new + edit.old
            and not (edit.new + edit.old).isdigit()
        ):
            return NearMiss(name, original, classify_edit(edit, key))
        if fold(low) == folded:
            return NearMiss(name, original, "homoglyph")
    return None


def check_hf_repo(repo_id: str, allow: frozenset[str] = frozenset()) -> NearMiss | None:
    """A look-alike of a popular organisation in ``org/name``, or None."""
    org, sep, _ = repo_id.partition("/")
    if not sep or not org or org.lower() in allow:
        return None
    return _near(org, popular_orgs())


def check_image(image: str, allow: frozenset[str] = frozenset()) -> NearMiss | None:
    """A look-alike of a popular image (whole repository or its last part), or None."""
    repo = image_repository(image)
    if not repo or repo in allow or "$" in repo or "{" in repo:
        return None
    popular = popular_images()
    if repo in popular:
        return None
    found = _near(repo, popular)
    if found is not None:
        return NearMiss(image, found.target, found.technique)
    return None
