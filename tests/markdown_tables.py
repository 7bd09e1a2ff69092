"""Markdown tables read back into their cells: tests check what a table says, not how it is laid out."""

import re


def cells(line):
    """The cells of one table row, stripped, with escaped pipes (``\\|``) restored."""
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def tables(text):
    """Every table in ``text``, in order: a list of rows, each {header: cell}."""
    blocks, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    return [[dict(zip(cells(rows[0]), cells(row))) for row in rows[2:]] for rows in blocks]
