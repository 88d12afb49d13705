"""A deterministic simulated web on loopback and its ground truth (demo, tests, benchmarks).

>>> from crawler.testweb import build_web, truth
>>> web = build_web(sites=2, pages_per_site=30, seed=1)
>>> next(truth(web))["type"]
'page'
"""

from crawler.testweb.model import Web, build_web
from crawler.testweb.server import WebServer
from crawler.testweb.truth import truth, write_truth

__all__ = ["Web", "WebServer", "build_web", "truth", "write_truth"]
