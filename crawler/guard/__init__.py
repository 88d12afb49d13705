"""Fetch policy: public addresses only, size and decompression limits, the MIME rule."""
