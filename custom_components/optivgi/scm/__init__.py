"""The scheduling core: EVs, site limits and the algorithms that share power between them.

Nothing in this package imports Home Assistant; it runs, is tested and is benchmarked on its own.
"""
