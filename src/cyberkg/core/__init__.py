"""Foundations every stage uses: where the data lives (paths), errors, namespaces, labels in the
reader's language, row output formats and atomic file writing. Imports nothing else of cyberkg."""
