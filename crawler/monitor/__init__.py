"""Monitoring: watched targets, their scheduled recrawls and the alerts they send."""
