"""Reads the store and returns data: named queries, PageRank, HyperBall, authority,
toxicity, disavow, import, report data. Never prints, never takes argparse."""
