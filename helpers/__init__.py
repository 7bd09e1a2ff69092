"""Shared code for the 딥러닝 아키텍처 course notebooks.

Each module holds one kind of thing the lessons reuse:

- ``helpers.data``: load MNIST (verified against its canonical digests) and normalize it;
- ``helpers.activations``: ReLU and softmax as the lessons define them with NumPy;
- ``helpers.model``: the post's model, its training recipe and an optional weight cache;
- ``helpers.plots``: figures that are not themselves the lesson;
- ``helpers.widgets``: the interactive explorers of lessons 01, 02, 03, 07 and the drawing canvas of 09.

Importing the package imports nothing else: each lesson imports the module it needs.
"""
