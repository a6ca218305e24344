"""Whitepapers as evidence: their text from HTML, and which passages one copies from another."""
