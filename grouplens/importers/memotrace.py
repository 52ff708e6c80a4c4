"""(being written)"""

IMPORTERS: list = []
