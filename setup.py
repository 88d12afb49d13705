"""Build of the optional C-speed modules: the extractor walk (crawler/_fast*.pyx) and the insert
columns (pipelines/_fastcolumns.pyx); metadata is in pyproject.toml. Without a compiler the
package still installs: crawler.extract and pipelines.columns then run their pure Python paths."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension("crawler._fastlinks", ["crawler/_fastlinks.pyx"], libraries=["dl"]),
            Extension("crawler._fastnames", ["crawler/_fastnames.pyx"]),
            Extension("crawler._fasturls", ["crawler/_fasturls.pyx"]),
            Extension("pipelines._fastcolumns", ["pipelines/_fastcolumns.pyx"]),
        ],
        compiler_directives={"language_level": "3"},
        build_dir="build",
    )
)
