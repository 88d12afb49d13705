"""Build of the optional C-speed modules: the extractor walk (crawler/*/_fast*.pyx, with the
_fastlinks_*.pxi files _fastlinks.pyx includes: cythonize follows them) and the insert columns
(pipelines/_fastcolumns.pyx); metadata is in pyproject.toml. Without a compiler the package
still installs: crawler.speedups then warns, and extraction, URLs and columns run their pure
Python paths (`linkgraph --version` says which)."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension(
                "crawler.extract._fastlinks", ["crawler/extract/_fastlinks.pyx"], libraries=["dl"]
            ),
            Extension("crawler.extract._fastnames", ["crawler/extract/_fastnames.pyx"]),
            Extension("crawler.urls._fasturls", ["crawler/urls/_fasturls.pyx"]),
            Extension("pipelines._fastcolumns", ["pipelines/_fastcolumns.pyx"]),
        ],
        compiler_directives={"language_level": "3"},
        build_dir="build",
    )
)
