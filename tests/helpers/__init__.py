"""Helpers the tests share: servers on loopback, crawls of the simulated web."""
