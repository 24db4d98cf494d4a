"""The one compiled part: the scrubber's walk (see src/clearsight/privacy/_walk.cpp).

Everything else is in pyproject.toml. The extension is optional: without a
C++ compiler or RE2's headers (Debian: g++, libre2-dev) the install still
succeeds and the scrubber runs its pure-Python walk, slower.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "clearsight.privacy._walk",
            sources=["src/clearsight/privacy/_walk.cpp"],
            libraries=["re2"],
            language="c++",
            extra_compile_args=["-std=c++17", "-O2"],
            optional=True,
        )
    ]
)
