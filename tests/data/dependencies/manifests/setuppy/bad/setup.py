from setuptools import find_packages, setup

REQUIRED = [
    "torch>=2.0",
    "numpy",
    "sentence-transformers",  # any version
]
EXTRAS = {
    "openai": ["openai==1.54.0"],
    "dev": ["pytest"],
}
EXTRAS["hub"] = ["huggingface-hub @ git+https://github.com/huggingface/huggingface_hub"]

setup(
    name="trainer",
    packages=find_packages(),
    install_requires=REQUIRED,
    setup_requires=["cython"],
    extras_require=EXTRAS,
)
