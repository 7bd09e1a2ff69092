"""Shared code for the 딥러닝 아키텍처 course notebooks.

Each module holds one kind of thing the lessons reuse:

- ``helpers.environment``: the TensorFlow settings every kernel sets before importing TensorFlow;
- ``helpers.data``: load MNIST (verified against its canonical digests) and normalize it; MNIST's
  number of classes and image shape;
- ``helpers.checks``: the checks of images, labels and softmax outputs that every module shares;
- ``helpers.activations``: ReLU, sigmoid, tanh and softmax as the lessons define them with NumPy;
- ``helpers.model``: the post's model, its training recipe and an optional weight cache;
- ``helpers.prediction``: a model's softmax outputs for a batch of images (without importing Keras);
- ``helpers.drawing``: turn a drawing into an MNIST-like 28x28 input with NumPy (lesson 10);
- ``helpers.plots``: figures that are not themselves the lesson;
- ``helpers.widgets``: the interactive explorers of lessons 01, 02, 03, 07 and the drawing canvas;
- ``helpers.quiz``: the 확인 문제 at the end of each lesson.

Importing the package imports nothing else: each lesson imports the module it needs.
"""
