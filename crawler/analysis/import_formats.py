"""The export formats `linkgraph import` reads, named apart from their readers
(`crawler.analysis.importer`) so that the command line lists them without loading the importer,
the URL code and the store.

    >>> FORMATS
    ('csv', 'gsc', 'ahrefs')
"""

FORMATS = ("csv", "gsc", "ahrefs")
