"""What may be crawled: seeds, scope rules, crawler traps."""
