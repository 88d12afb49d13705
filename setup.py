"""Build of the optional C-speed extractor walk (crawler/_fastlinks.pyx); metadata is in
pyproject.toml. Without a compiler the package still installs: crawler.extract then runs its
pure Python path."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("crawler._fastlinks", ["crawler/_fastlinks.pyx"], libraries=["dl"])],
        compiler_directives={"language_level": "3"},
        build_dir="build",
    )
)
