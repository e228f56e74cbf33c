import setuptools

setuptools.setup(
    name="trainer",
    install_requires=[
        "peft>=0.13",
        "numpy",
    ],
)
